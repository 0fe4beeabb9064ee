"""The keeper as a vault's strategist on anvil: once the target period has passed it moves the targets toward its
strategy's, at most `target_step` each, exactly once per period; a strategy that cannot decide yet sends nothing."""

from ape import chain
from fixtures.anvil import STRATEGIST

from keeper.history import PriceHistory

WEEK = 7 * 86_400


def past_target_period(world, vault):
    chain.mine(timestamp=chain.pending_timestamp + world.policy(vault).limits().target_period + 1)
    world.market.refresh()


def test_cycle__equal_weight_strategist_after_period__steps_targets_once(world, tmp_path):
    vault = world.create_vault()
    policy = world.policy(vault)
    past_target_period(world, vault)
    keeper = world.keeper(tmp_path, [vault], account=f"TEST::{STRATEGIST}", strategy="equal-weight")

    first = world.cycle(keeper)
    second = world.cycle(keeper)

    targets = policy.targets()[0]
    assert sum(targets) == 10_000
    assert targets[0] == 3_500  # 40 % toward 33.34 %, one 500 bps step
    assert all(abs(new - old) <= 500 for new, old in zip(targets, (4_000, 3_000, 3_000), strict=True))
    assert all(new >= 3_000 for new in targets[1:])  # the others move up toward 33.33 %, never away
    assert [i.kind for i in first.sent] == ["set_targets"] and second.sent == []
    assert policy.last_target_change() == chain.blocks.head.timestamp


def test_cycle__momentum_without_history__says_why_and_sends_nothing(world, tmp_path):
    vault = world.create_vault()
    past_target_period(world, vault)
    keeper = world.keeper(tmp_path, [vault], account=f"TEST::{STRATEGIST}", strategy="momentum")

    report = world.cycle(keeper)

    assert report.sent == []
    assert report.strategy_notes[vault.address].startswith("momentum needs 50 days of prices for")
    assert world.policy(vault).targets()[0] == [4_000, 3_000, 3_000]
    history = PriceHistory(tmp_path / "history.sqlite")
    feed = world.market.feeds[1].address
    assert history.latest_round(feed) == world.market.feeds[1].latestRoundData()[0]  # the rounds were synced
    assert len(history.series(feed)) == world.market.feeds[1].latestRoundData()[0]
