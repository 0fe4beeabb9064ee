"""Mint index tokens: pay every component in kind. Shows what will be pulled from the wallet first, approves each
component for exactly that amount (never an unlimited allowance), then mints.

    ape run mint --network ethereum:local:foundry --account alice --vault 0x... --amount 1.5
"""

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts._wallet import INDEX_DECIMALS, WalletError, basket_table, load_vault, parse_amount, tokens_of


def mint(account, vault, amount: int, receiver: str | None = None, echo=click.echo):
    """Approve exactly `vault.preview_mint(amount)` of each component and mint `amount` to `receiver` (or the
    account); a WalletError before any transaction when the wallet is short of a component."""
    if vault.mint_paused():
        raise WalletError("minting is paused on this vault (redeeming still works)")
    tokens, owed = tokens_of(vault), vault.preview_mint(amount)
    echo(basket_table(tokens, owed, account, "pays"))
    for token, need in zip(tokens, owed, strict=True):
        if token.balanceOf(account) < need:
            raise WalletError(f"the wallet holds too little {token.symbol()}: {need} needed")
    for token, need in zip(tokens, owed, strict=True):
        if need and token.allowance(account, vault) < need:
            token.approve(vault, need, sender=account)
    return vault.mint(amount, receiver or account.address, sender=account)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault.")
@click.option("--amount", required=True, help="Index tokens to mint, e.g. 1.5")
@click.option("--receiver", help="Who gets the index tokens (default: the account).")
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(account, vault_address, amount, receiver, yes):
    """Mint index tokens from a wallet's components."""
    vault = load_vault(vault_address)
    shares = parse_amount(amount, INDEX_DECIMALS)
    if not yes:
        click.echo(basket_table(tokens_of(vault), vault.preview_mint(shares), account, "pays"))
        click.confirm(f"Mint {amount} {vault.symbol()}?", abort=True)
    receipt = mint(account, vault, shares, receiver, echo=lambda _: None)
    click.echo(f"minted {amount} {vault.symbol()} (gas {receipt.gas_used}); balance {vault.balanceOf(account)}")
