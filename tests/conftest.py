"""Shared fixtures live in tests/fixtures/; this file only registers them."""

pytest_plugins = [
    "fixtures.accounts",
    "fixtures.tokens",
    "fixtures.vaults",
]
