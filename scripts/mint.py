"""Mint index tokens: pay every component in kind. Shows what will be pulled from the wallet first, approves each
component for exactly that amount (never an unlimited allowance), then mints. Every transaction is simulated first.

    ape run mint --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1.5 --yes

On a vault with a management fee, what a mint pulls falls a little with every second (fee shares dilute the units),
so the mined mint can pull slightly less than the preview that sized the approvals: any allowance left over is set
back to zero, and the output says so.
"""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import call, connect
from scripts._wallet import INDEX_DECIMALS, WalletError, basket_table, load_vault, parse_amount, show, tokens_of


def mint(account, vault, amount: int, receiver: str | None = None, echo=click.echo, table: bool = True):
    """Approve exactly `vault.preview_mint(amount)` of each component and mint `amount` to `receiver` (or the
    account); a WalletError before any transaction when the wallet is short of a component. Leaves no allowance."""
    if vault.mint_paused():
        raise WalletError("minting is paused on this vault (redeeming still works)")
    tokens, owed = tokens_of(vault), vault.preview_mint(amount)
    if table:
        echo(basket_table(tokens, owed, account, "pays"))
    for token, need in zip(tokens, owed, strict=True):
        held = token.balanceOf(account)
        if held < need:
            raise WalletError(
                f"the wallet holds too little {token.symbol()}: {show(need, token)} needed, {show(held, token)} held"
            )
    for token, need in zip(tokens, owed, strict=True):
        if need and token.allowance(account, vault) < need:
            call(account, token.approve, vault.address, need)
    receipt = call(account, vault.mint, amount, receiver or account.address)
    for token in tokens:
        if left := token.allowance(account, vault):
            call(account, token.approve, vault.address, 0)
            echo(f"set the {token.symbol()} allowance back to 0 from {show(left, token)}: the management fee accrued "
                 "between the preview and the block, so the mint pulled that much less")  # fmt: skip
    return receipt


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault: its address or symbol (e.g. DPL).")
@click.option("--amount", required=True, help="Index tokens to mint, e.g. 1.5")
@click.option("--receiver", help="Who gets the index tokens (default: the account).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(network, account, vault_address, amount, receiver, deployment_file, yes):
    """Mint index tokens from a wallet's components."""
    vault = load_vault(vault_address, connect(network.choice, deployment_file))
    shares = parse_amount(amount, INDEX_DECIMALS)
    if not yes:
        click.echo(basket_table(tokens_of(vault), vault.preview_mint(shares), account, "pays"))
        click.confirm(f"Mint {amount} {vault.symbol()}?", abort=True)
    receipt = mint(account, vault, shares, receiver, table=yes)
    balance = show(vault.balanceOf(account), vault)
    click.echo(f"minted {amount} {vault.symbol()} (gas {receipt.gas_used:,}); balance {balance}")
