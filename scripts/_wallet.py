"""What the wallet scripts (`mint`, `redeem`) share: reading amounts the way people type them, finding a vault,
and showing a basket before anything is signed. Amounts stay integers in the smallest unit throughout."""

from decimal import Decimal, InvalidOperation

import click
from ape import project

from scripts._chain import resolve_contract

INDEX_DECIMALS = 18


class WalletError(click.ClickException):
    """Bad input for a wallet script, in one sentence; nothing was sent."""


def parse_amount(text: str, decimals: int, what: str = "amount") -> int:
    """`text` ("1.5") in smallest units; a WalletError for negatives, zero, junk or more digits than `decimals`."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise WalletError(f"{what} {text!r} is not a number") from None
    scaled = value * 10**decimals
    if not value.is_finite() or value <= 0:
        raise WalletError(f"{what} must be a positive number, not {text}")
    if scaled != scaled.to_integral_value():
        raise WalletError(f"{what} {text} has more than {decimals} decimals")
    return int(scaled)


def load_vault(text: str, deployment):
    """The IndexVault named by `text` (its address or its symbol in the deployment's factory), or a ScriptError
    saying why not (no code there, or another kind of contract)."""
    return project.IndexVault.at(resolve_contract(text, deployment, "vault", what="--vault"))


def holders_token(vault, deployment):
    """What holders mint: the compliant index the factory wrapped around `vault`, if any (its inner vault mints only
    to that index, so minting it directly is refused as paused), else the vault itself. Both take the same
    `preview_mint`, `basket`, `mint(shares, receiver)` and ERC-20 calls."""
    factory = project.VaultFactory.at(deployment.factory)
    if not hasattr(factory, "compliant_of"):
        return vault
    if factory.is_compliant(vault.address):  # named by the index's own address
        return project.CompliantIndex.at(vault.address)
    if int(index := factory.compliant_of(vault.address), 16):
        return project.CompliantIndex.at(index)
    return vault


def oracle_value(vault):
    """`value(token, amount)`: an amount's 18-decimal USD value by the vault's own oracle, the one the zap's bound
    uses; the scripts show it beside every zap quote."""
    oracle = project.OracleRouter.at(project.RebalancePolicy.at(vault.policy()).oracle())
    return lambda token, amount: oracle.values([token], [amount])[0]


def show(amount: int, token) -> str:
    """`1.5 UNI`: an amount in a token's smallest units with its decimals and symbol."""
    return f"{format_units(amount, token.decimals())} {token.symbol()}"


def tokens_of(vault) -> list:
    return [project.MockERC20.at(address) for address in vault.basket()[0]]


def basket_table(tokens: list, amounts: list[int], holder, heading: str) -> str:
    """One line per component: symbol, the amount, and what `holder` has of it."""
    lines = [f"{'token':8} {heading:>24} {'in wallet':>24}"]
    for token, amount in zip(tokens, amounts, strict=True):
        decimals = token.decimals()
        lines.append(
            f"{token.symbol():8} {format_units(amount, decimals):>24} {format_units(token.balanceOf(holder), decimals):>24}"
        )
    return "\n".join(lines)


def format_units(amount: int, decimals: int) -> str:
    whole, fraction = divmod(amount, 10**decimals)
    text = f"{whole:,}"
    if decimals and fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return text
