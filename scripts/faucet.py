"""Local chains only: mint an account the mock components of an index, so a wallet on `make chain` has something to
mint with. The mock world's tokens (`ape run deploy --mock-world`) have an open `mint`; real tokens do not, and on
any other chain this script refuses.

    ape run faucet --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 10
"""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import ScriptError, call, connect, require_local_chain
from scripts._wallet import INDEX_DECIMALS, load_vault, parse_amount, show, tokens_of


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index whose components to mint: address or symbol.")
@click.option("--amount", required=True, help="Enough components to mint this many index tokens, e.g. 10")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
def cli(network, account, vault_address, amount, deployment_file):
    """Mint the mock components behind AMOUNT index tokens to the account (local mock world only)."""
    deployment = connect(network.choice, deployment_file)
    require_local_chain("the faucet mints mock tokens")
    vault = load_vault(vault_address, deployment)
    tokens = tokens_of(vault)
    mocks = set(deployment.tokens.values())
    if unknown := [t.symbol() for t in tokens if t.address not in mocks]:
        raise ScriptError(f"{', '.join(unknown)} are not the deployment's mock tokens: the faucet cannot mint them")
    for token, owed in zip(tokens, vault.preview_mint(parse_amount(amount, INDEX_DECIMALS)), strict=True):
        call(account, token.mint, account.address, owed)
        click.echo(f"minted {show(owed, token)} to {account.address}")
