"""The demo's zap chapter: a wallet that holds only USDC mints an index through the IndexZap and redeems it back to
USDC, each in one transaction (after one approval), printing the routes, what was spent, the shares and what came
back. Local mock worlds only: the wallet's USDC comes from the mock token's open `mint`."""

import click
from ape import project

from scripts._wallet import format_units

ZAP_SHARES = 2 * 10**18
USDC_FUNDING = 10_000 * 10**6


def zap_round_trip(deployment, vault, wallet, echo=click.echo) -> tuple[int, int]:
    """Fund `wallet` with USDC only, mint ZAP_SHARES of `vault` with it, redeem them all to USDC; returns (USDC spent
    on the mint, USDC received from the redeem). Raises if any share is left in the wallet (the mint's leftover components stay there: refunds)."""
    from scripts.mint import zap_mint
    from scripts.redeem import zap_redeem

    usdc = project.MockERC20.at(deployment.tokens["USDC"])
    usdc.mint(wallet, USDC_FUNDING, sender=wallet)  # the mock token's faucet: the wallet's only asset
    symbol = vault.symbol()

    def indent(line: str) -> None:
        echo("   " + line)

    indent(f"{wallet.address} holds {format_units(usdc.balanceOf(wallet), 6)} USDC and nothing else")
    _, spent, shares = zap_mint(wallet, vault, deployment, ZAP_SHARES, "USDC", "5000", echo=indent)
    indent(f"minted {format_units(shares, 18)} {symbol} for {format_units(spent, 6)} USDC in one zap transaction")
    # The least accepted: 97 % of what was spent (two pool fees, price impact and the mint's refunded leftovers).
    _, received = zap_redeem(wallet, vault, deployment, shares, "USDC", spent * 97 // 100, echo=indent)
    indent(f"redeemed {format_units(shares, 18)} {symbol} for {format_units(received, 6)} USDC in one zap transaction "
           f"(round trip cost {format_units(spent - received, 6)} USDC: pool fees and price impact)")  # fmt: skip
    if vault.balanceOf(wallet) != 0:
        raise click.ClickException("the zap round trip left shares in the wallet")
    return spent, received
