"""The keeper with two venues on a real anvil node: the world's market gains Uniswap V3 (the npm bytecode, pools for
the same pairs at the same prices), a vault allows both adapters, and WETH rises. Arbitrageurs bring the V3 pools to
the new price first; the V2 pools lag. The keeper quotes both venues in one batch, `keeper plan` shows both quotes,
and the trade goes through the V3 adapter, the one that pays more (V2's quote is below the oracle bound: without V3
the keeper would skip the trade)."""

import re

import pytest
from ape import accounts
from click.testing import CliRunner
from fixtures.anvil import DEPLOYER, LIQUIDITY

from keeper.cli import main
from scripts._world import deploy_v3_pools

USDC, WETH, WBTC = range(3)
ASSETS_USD = (1, 2_000, 50_000)  # the world's market (fixtures/market.py ASSETS)
POOL_DEPTH_USD = 10_000_000


@pytest.fixture(scope="module")
def v3(world):
    """Uniswap V3 beside the world's V2, every pair at the oracle prices, as `deploy_market(..., with_v3=True)` puts
    it in the market; (UniswapV3, adapter)."""
    market = world.market
    assets = [(t.symbol(), d, usd) for t, d, usd in zip(market.tokens, market.decimals, ASSETS_USD, strict=True)]
    market.uniswap_v3, market.adapter_v3 = deploy_v3_pools(
        accounts.test_accounts[DEPLOYER], accounts.test_accounts[LIQUIDITY], market.uniswap, market.tokens, assets,
        [(USDC, WETH), (USDC, WBTC), (WETH, WBTC)], POOL_DEPTH_USD,
    )  # fmt: skip
    return market.uniswap_v3, market.adapter_v3


def test_cycle__weth_up_and_only_v3_arbitraged__plan_shows_both_quotes_and_the_trade_goes_through_v3(
    world, v3, tmp_path
):
    uniswap_v3, adapter_v3 = v3
    market = world.market
    vault = world.create_vault(adapters=[market.adapter, adapter_v3])
    market.set_price(WETH, 2_600 * 10**8)
    for i, j in ((USDC, WETH), (USDC, WBTC), (WETH, WBTC)):  # V3 at the new price; V2 still at the old one
        market.arbitrage_v3(i, j)
    venues = {"adapter_v3": adapter_v3.address, "quoter_v3": uniswap_v3.quoter.address}

    plan = CliRunner().invoke(main, [
        "plan", "--rpc-url", world.uri, "--lens", world.lens.address, "--data-dir", str(tmp_path), "--vault",
        vault.address,
    ], env={"KEEPER_ADAPTER": market.adapter.address, "KEEPER_ADAPTER_V3": venues["adapter_v3"],
            "KEEPER_QUOTER_V3": venues["quoter_v3"]}, catch_exceptions=False)  # fmt: skip

    assert plan.exit_code == 0, plan.output
    quotes = re.search(r"quotes: v2 ([\d,.]+) (\w+) via WETH -> \2, v3 ([\d,.]+) \2 via WETH -> \2", plan.output)
    assert quotes, plan.output
    v2_out, v3_out = (int(float(quotes.group(n).replace(",", "")) * 10**6) for n in (1, 3))
    assert v3_out * 100 > v2_out * 125  # V2 still sells WETH at $2,000, V3 at $2,600
    assert "best: v3 via WETH -> USDC (0.3 %)" in plan.output  # the mock world's tier; the others have no pool
    nonce = world.nonce()

    keeper = world.keeper(tmp_path, [vault], **venues)
    report = world.cycle(keeper)

    (order,) = report.orders
    assert " WETH -> USDC via WETH -> USDC on Uniswap V3 (0.3 %), min_out " in order.description

    (trade,) = world.trades(vault)
    assert trade["adapter"] == adapter_v3.address
    assert trade["sell"] == market.tokens[WETH].address
    assert world.nonce() == nonce + 1
    for token in market.tokens:
        assert token.balanceOf(adapter_v3) == 0 and token.allowance(adapter_v3, uniswap_v3.router) == 0
