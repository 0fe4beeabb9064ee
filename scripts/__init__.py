"""Ape scripts; modules starting with `_` are shared helpers, not scripts."""

import warnings

# ape-vyper's config model leaves a forward reference unresolved, and pydantic-settings warns about it on every
# `ape run`; the field is not one this project sets.
warnings.filterwarnings("ignore", message="Field 'import_remapping' has an incomplete definition")
