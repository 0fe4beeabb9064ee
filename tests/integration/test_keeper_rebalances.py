"""The keeper against a real anvil node: a vault drifts after an oracle move and the keeper trades it back into
its band through the real Uniswap V2 pools, one cooldown at a time, never outside the policy's bounds."""

from ape import chain

from keeper.cycle import build
from keeper.settings import load_settings
from keeper.state import BPS

from fixtures.anvil import KEEPER

WETH = 1
DAY = 86_400


def make_keeper(world, data_dir, vaults, **overrides):
    settings = load_settings(
        rpc_url=world.uri, lens=world.lens.address, vaults=[v.address for v in vaults],
        adapter=world.market.adapter.address, account=f"TEST::{KEEPER}", data_dir=data_dir, confirmations=1,
        **overrides,
    )  # fmt: skip
    return build(settings, sign=True)


def move_price(market, i: int, usd: int):
    """Set token i's oracle price and arbitrage every pool back to the oracle prices."""
    market.set_price(i, usd * 10**8)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        market.arbitrage(a, b)


def after_cooldown(world, vault):
    chain.mine(timestamp=chain.pending_timestamp + world.policy(vault).limits().cooldown + 1)
    world.market.refresh()


def test_cycle__weth_up_30_percent__trades_back_into_band_within_policy(world, tmp_path):
    vault = world.create_vault()
    move_price(world.market, WETH, 2_600)
    keeper = make_keeper(world, tmp_path, [vault])

    sent = []
    for _ in range(6):
        report = keeper.cycle()
        sent += report.sent
        if not report.plans[vault.address].trades:
            break
        after_cooldown(world, vault)

    final = report.plans[vault.address]
    assert final.reason.startswith("in band"), final.reason
    assert all(abs(row.drift) <= 100 for row in final.rows)
    trades = list(vault.Rebalanced.query("*")["event_arguments"])
    assert len(trades) == len(sent) >= 1
    for args in trades:  # the keeper's own slippage (50 bps) at oracle prices, which is inside the policy's 100
        value_out = world.market.router.value(args["buy"], args["amount_out"])
        assert value_out * BPS >= args["value_in"] * (BPS - 50)
    assert {i.status for i in keeper.journal.intents()} == {"final"}
    assert keeper.metrics.value("keeper_trades_total", outcome="mined") == len(sent)
