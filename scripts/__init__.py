"""Ape scripts; modules starting with `_` are shared helpers, not scripts."""
