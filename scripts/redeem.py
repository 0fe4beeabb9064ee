"""Redeem index tokens for the basket, optionally skipping components (a frozen or blacklisted token: its share is
forfeited to the other holders instead of blocking the redeem). Shows what will be paid out first. Redeeming never
needs an approval and works while minting or rebalancing is paused. The transaction is simulated first.

    ape run redeem --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1 --skip MKR --yes
"""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from scripts._chain import call, connect
from scripts._wallet import INDEX_DECIMALS, WalletError, basket_table, load_vault, parse_amount, show, tokens_of


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


def redeem(account, vault, amount: int, skip: tuple[str, ...] = (), receiver: str | None = None, echo=click.echo,
           table: bool = True):  # fmt: skip
    """Redeem `amount` for the basket minus `skip`; a WalletError before sending when the balance is short."""
    held = vault.balanceOf(account)
    if held < amount:
        raise WalletError(f"the wallet holds {show(held, vault)}, not {show(amount, vault)}")
    tokens = tokens_of(vault)
    skipped = resolve_skip(tokens, skip)
    paid = [0 if t.address in skipped else a for t, a in zip(tokens, vault.preview_redeem(amount), strict=True)]
    if table:
        echo(basket_table(tokens, paid, account, "receives"))
    return call(account, vault.redeem, amount, receiver or account.address, skipped)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault: its address or symbol (e.g. DPL).")
@click.option("--amount", required=True, help="Index tokens to redeem, e.g. 1")
@click.option("--skip", multiple=True, help="A component (symbol or address) to leave behind; repeatable.")
@click.option("--receiver", help="Who gets the components (default: the account).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(network, account, vault_address, amount, skip, receiver, deployment_file, yes):
    """Redeem index tokens for the basket."""
    vault = load_vault(vault_address, connect(network.choice, deployment_file))
    shares = parse_amount(amount, INDEX_DECIMALS)
    if not yes:
        tokens = tokens_of(vault)
        skipped = resolve_skip(tokens, skip)
        paid = [0 if t.address in skipped else a for t, a in zip(tokens, vault.preview_redeem(shares), strict=True)]
        click.echo(basket_table(tokens, paid, account, "receives"))
        click.confirm(f"Redeem {amount} {vault.symbol()}?", abort=True)
    receipt = redeem(account, vault, shares, skip, receiver, table=yes)
    balance = show(vault.balanceOf(account), vault)
    click.echo(f"redeemed {amount} {vault.symbol()} (gas {receipt.gas_used:,}); balance {balance}")
