"""Redeem index tokens for the basket, optionally skipping components (a frozen or blacklisted token: its share is
forfeited to the other holders instead of blocking the redeem). Shows what will be paid out first. Redeeming never
needs an approval and works while minting or rebalancing is paused.

    ape run redeem --network ethereum:local:foundry --account alice --vault 0x... --amount 1 --skip WBTC
"""

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts._wallet import INDEX_DECIMALS, WalletError, basket_table, load_vault, parse_amount, tokens_of


def resolve_skip(tokens: list, skip: tuple[str, ...]) -> list[str]:
    """Addresses of the components named in `skip` (by symbol or address); a WalletError for an unknown one."""
    by_name = {t.symbol().upper(): t.address for t in tokens} | {t.address.lower(): t.address for t in tokens}
    addresses = []
    for name in skip:
        address = by_name.get(name.upper()) or by_name.get(name.lower())
        if address is None:
            raise WalletError(f"--skip {name}: not a component of this vault ({', '.join(t.symbol() for t in tokens)})")
        addresses.append(address)
    return addresses


def redeem(account, vault, amount: int, skip: tuple[str, ...] = (), receiver: str | None = None, echo=click.echo):
    """Redeem `amount` for the basket minus `skip`; a WalletError before sending when the balance is short."""
    if vault.balanceOf(account) < amount:
        raise WalletError(f"the wallet holds {vault.balanceOf(account)} of {vault.symbol()}, not {amount}")
    tokens = tokens_of(vault)
    skipped = resolve_skip(tokens, skip)
    paid = [0 if t.address in skipped else a for t, a in zip(tokens, vault.preview_redeem(amount), strict=True)]
    echo(basket_table(tokens, paid, account, "receives"))
    return vault.redeem(amount, receiver or account.address, skipped, sender=account)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault.")
@click.option("--amount", required=True, help="Index tokens to redeem, e.g. 1")
@click.option("--skip", multiple=True, help="A component (symbol or address) to leave behind; repeatable.")
@click.option("--receiver", help="Who gets the components (default: the account).")
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(account, vault_address, amount, skip, receiver, yes):
    """Redeem index tokens for the basket."""
    vault = load_vault(vault_address)
    shares = parse_amount(amount, INDEX_DECIMALS)
    if not yes:
        tokens = tokens_of(vault)
        click.echo(basket_table(tokens, vault.preview_redeem(shares), account, "receives"))
        click.confirm(f"Redeem {amount} {vault.symbol()}?", abort=True)
    receipt = redeem(account, vault, shares, skip, receiver, echo=lambda _: None)
    click.echo(f"redeemed {amount} {vault.symbol()} (gas {receipt.gas_used})")
