"""The keeper against a real anvil node: a vault drifts after an oracle move and the keeper trades it back into
its band through the real Uniswap V2 pools, one cooldown at a time, never outside the policy's bounds."""

from keeper.state import BPS

WETH = 1


def test_cycle__weth_up_30_percent__trades_back_into_band_within_policy(world, tmp_path):
    vault = world.create_vault()
    world.move_price(WETH, 2_600)
    keeper = world.keeper(tmp_path, [vault])

    sent = []
    for _ in range(6):
        report = world.cycle(keeper)
        sent += report.sent
        if not report.plans[vault.address].trades:
            break
        world.after_cooldown(vault)

    final = report.plans[vault.address]
    assert final.reason.startswith("in band"), final.reason
    assert all(abs(row.drift) <= 100 for row in final.rows)
    trades = world.trades(vault)
    assert len(trades) == len(sent) >= 1
    for args in trades:  # the keeper's own slippage (50 bps) at oracle prices, inside the policy's 100
        value_out = world.market.router.value(args["buy"], args["amount_out"])
        assert value_out * BPS >= args["value_in"] * (BPS - 50)
    assert {i.status for i in keeper.journal.intents()} == {"final"}
    assert keeper.metrics.value("keeper_trades_total", outcome="mined") == len(sent)
