"""What the compliance and dividends scripts share: the compliant index they act on and the options that name it.
A module of its own because `ape run` executes every script module to list its commands, and a script module that
another script imports would be executed a second time (runpy's RuntimeWarning)."""

from pathlib import Path

import click
from ape import project

from scripts._chain import ScriptError, resolve_account


def load_index(address: str):
    """The CompliantIndex at `address`, or a ScriptError saying it is not one (a plain vault has no `rules()`)."""
    try:
        index = project.CompliantIndex.at(resolve_account(address))
        index.rules()
    except ScriptError:
        raise
    except Exception:  # noqa: BLE001 -- no code, or code without `rules()`: not a compliant index
        raise ScriptError(f"{address} is not a compliant index (it has no rules())") from None
    return index


options = [
    click.option("--index", "index_address", required=True, help="The compliant index (its address)."),
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
