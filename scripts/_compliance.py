"""What `compliance` and `dividends` share: the `--index` option and finding the compliant index it names.

A private module (ape runs every public script module when it starts, and a public script imported by another one
is then already in sys.modules when ape runs it: Python warns, and the README test fails on the warning).
"""

from pathlib import Path

import click
from ape import project
from eth_utils import is_address, to_checksum_address

from scripts._chain import ScriptError, Vaults

options = [
    click.option("--index", "index_address", required=True, help="The compliant index: its symbol or address."),
    click.option(
        "--deployment",
        "deployment_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Deployment file (default: deployments/<network>.json).",
    ),
]


def index_options(command):
    for option in reversed(options):
        command = option(command)
    return command


def load_index(text: str, deployment=None):
    """The CompliantIndex at `text` (an address, or with the deployment a symbol of its factory's, e.g. CINC), or a
    ScriptError saying it is not one (a plain vault has no `rules()`)."""
    address = to_checksum_address(text) if is_address(text) else index_of_symbol(text, deployment)
    try:
        index = project.CompliantIndex.at(address)
        index.rules()
    except Exception:  # noqa: BLE001 -- no code, or code without `rules()`: not a compliant index
        raise ScriptError(f"{text} is not a compliant index (it has no rules())") from None
    return index


def index_of_symbol(symbol: str, deployment) -> str:
    """The compliant index the factory created around the vault called `symbol` (its inner vault shares it)."""
    if deployment is None:
        raise ScriptError(f"--index {symbol}: give the compliant index's address")
    factory = project.VaultFactory.at(deployment.factory)
    index = factory.compliant_of(Vaults(deployment).find(symbol))
    if int(index, 16) == 0:
        raise ScriptError(f"{symbol} is a plain index, not a compliant one")
    return index
