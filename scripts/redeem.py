"""Redeem index tokens for the basket, optionally skipping components (a frozen or blacklisted token: its share is
forfeited to the other holders instead of blocking the redeem). Shows what will be paid out first. Redeeming never
needs an approval and works while minting or rebalancing is paused. The transaction is simulated first.

    ape run redeem --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1 --skip MKR --yes
    ape run redeem --network ethereum:local:foundry --account TEST::4 --vault DPL --amount 1 --to USDC --min-out 950 --yes

With `--to`, the IndexZap sells every component paid out (except those skipped, and the token itself) for that one
token; each route, its quote, the oracle value and the slippage are shown first, and the zap refuses to pay less than
`--min-out`. Redeeming through the zap needs an approval of the zap for exactly the shares redeemed.
"""

from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, account_option
from ape.exceptions import ContractLogicError

from scripts import _zap
from scripts._chain import call, connect
from scripts._wallet import (
    INDEX_DECIMALS,
    WalletError,
    basket_table,
    holders_token,
    load_vault,
    oracle_value,
    parse_amount,
    show,
    tokens_of,
)


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


def output_token(to: str, deployment):
    """The token named by `--to` (a deployment symbol or an address)."""
    address = deployment.tokens.get(to) or deployment.tokens.get(to.upper()) or to
    if not address.startswith("0x") or len(address) != 42:
        raise WalletError(f"--to {to}: not a token of this deployment ({', '.join(deployment.tokens)})")
    return project.MockERC20.at(address)


def zap_redeem(account, vault, deployment, amount: int, to: str, min_out: int, skip: tuple[str, ...] = (),
               max_slippage: int = _zap.DEFAULT_MAX_SLIPPAGE_BPS, receiver: str | None = None, confirm: bool = False,
               echo=click.echo):  # fmt: skip
    """Redeem `amount` through the zap for `to` only: plan the legs, show route, quote, oracle value and slippage,
    refuse a quote below `--min-out`, approve the zap for exactly the shares, simulate and send. Returns (receipt,
    the amount of `to` received)."""
    held = vault.balanceOf(account)
    if held < amount:
        raise WalletError(f"the wallet holds {show(held, vault)}, not {show(amount, vault)}")
    try:
        venue = _zap.venue_for(deployment)
    except _zap.ZapError as error:
        raise WalletError(str(error)) from None
    zap = project.IndexZap.at(deployment.index_zap)
    token = output_token(to, deployment)
    token_address = token.address
    skipped = resolve_skip(tokens_of(vault), skip)
    try:
        routes = _zap.plan_redeem(vault, token_address, amount, skipped, venue)
    except _zap.ZapError as error:
        raise WalletError(str(error)) from None
    worth = oracle_value(vault)

    quoted = sum(r.amount_out for r in routes)
    try:
        table = _zap.route_table(routes, lambda a: project.MockERC20.at(a).symbol(),
                                 lambda v, a: show(v, project.MockERC20.at(a)), worth, redeem=True)  # fmt: skip
        paid_value = sum(worth(r.component, r.amount_in) for r in routes)
        got_value = worth(token_address, quoted)
    except ContractLogicError as error:  # the vault's oracle has no (fresh) price for the output or a component
        raise WalletError(f"the vault's oracle cannot value this zap: {error.message}") from None
    for line in table:
        echo(line)
    echo(f"receive about {show(quoted, token)} worth ${got_value / 10**18:,.2f} for components worth "
         f"${paid_value / 10**18:,.2f} at oracle prices: slippage {_zap.slippage_bps(paid_value, got_value) / 100:.2f} % "
         f"(the zap refuses a leg above {max_slippage / 100:.2f} %); --min-out {show(min_out, token)}")  # fmt: skip
    if quoted < min_out:
        raise WalletError(f"the quote {show(quoted, token)} is below --min-out {show(min_out, token)}: nothing sent")
    if confirm:
        click.confirm(f"Redeem {show(amount, vault)} for at least {show(min_out, token)}?", abort=True)
    if vault.allowance(account, zap) < amount:
        call(account, vault.approve, zap.address, amount)
    receipt = call(account, zap.redeem, vault.address, amount, token_address, min_out, _zap.legs(routes, redeem=True),
                   skipped, max_slippage, receiver or account.address)  # fmt: skip
    return receipt, receipt.decode_logs(zap.ZapRedeemed)[0].received


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option("--vault", "vault_address", required=True, help="The index vault: its address or symbol (e.g. DPL).")
@click.option("--amount", required=True, help="Index tokens to redeem, e.g. 1")
@click.option("--skip", multiple=True, help="A component (symbol or address) to leave behind; repeatable.")
@click.option("--receiver", help="Who gets the components (default: the account).")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Deployment file (default: deployments/<network>.json).")  # fmt: skip
@click.option("--to", "to", help="Receive only this token (a symbol or an address): the zap sells the rest for it.")
@click.option("--min-out", help="With --to: the least of that token accepted, e.g. 950.")
@click.option("--max-slippage", type=click.IntRange(0, 1_000), default=_zap.DEFAULT_MAX_SLIPPAGE_BPS, show_default=True,
              help="With --to: basis points a leg's output may be worth below what it sold, at oracle prices.")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask before sending.")
def cli(network, account, vault_address, amount, skip, receiver, deployment_file, to, min_out, max_slippage, yes):
    """Redeem index tokens for the basket, or for one token through the zap."""
    deployment = connect(network.choice, deployment_file)
    # A compliant index's holders hold its own token (the index holds the inner vault's shares): they redeem that.
    vault = holders_token(load_vault(vault_address, deployment), deployment)
    shares = parse_amount(amount, INDEX_DECIMALS)
    if to:
        if not min_out:
            raise WalletError("--to needs --min-out: the least of that token you accept")
        token = output_token(to, deployment)
        least = parse_amount(min_out, token.decimals(), "--min-out")
        receipt, received = zap_redeem(account, vault, deployment, shares, to, least, skip, max_slippage, receiver,
                                       confirm=not yes)  # fmt: skip
        click.echo(f"redeemed {amount} {vault.symbol()} for {show(received, token)} through the zap "
                   f"(gas {receipt.gas_used:,}); balance {show(vault.balanceOf(account), vault)}")  # fmt: skip
        return
    if min_out:
        raise WalletError("--min-out goes with --to TOKEN")
    if not yes:
        tokens = tokens_of(vault)
        skipped = resolve_skip(tokens, skip)
        paid = [0 if t.address in skipped else a for t, a in zip(tokens, vault.preview_redeem(shares), strict=True)]
        click.echo(basket_table(tokens, paid, account, "receives"))
        click.confirm(f"Redeem {amount} {vault.symbol()}?", abort=True)
    receipt = redeem(account, vault, shares, skip, receiver, table=yes)
    balance = show(vault.balanceOf(account), vault)
    click.echo(f"redeemed {amount} {vault.symbol()} (gas {receipt.gas_used:,}); balance {balance}")
