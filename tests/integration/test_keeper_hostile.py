"""A permissionless factory with strangers' vaults in it, on a real anvil node: a vault that does not list this
keeper, one that does not allow its adapter, one priced by its own fake oracle that walks WETH up in steps, one whose
token reverts every transfer and one whose token's `balanceOf` burns all gas. The keeper must trade every honest
vault that drifted, never trip its global breaker, and spend at most two round trips per honest vault per cycle.
(The same world at 100 + 100 vaults is a row of benchmarks/keeper_bench.py.)"""

import pytest
from fixtures.anvil import HOSTILE_KINDS, Hostiles

from keeper.journal import GLOBAL

WETH = 1
HONEST = 4
CYCLES = 4


@pytest.fixture
def hostile_factory(world):
    """HONEST honest vaults and two of each hostile kind (the cheap kinds without supply), the hostile tokens armed,
    WETH up 30 %."""
    hostiles = Hostiles(world)
    honest = [world.create_vault() for _ in range(HONEST)]
    hostile = [hostiles.vault(kind, supply=0 if kind in ("wrong_keeper", "unlisted_adapter") else 10**18)
               for kind in HOSTILE_KINDS for _ in range(2)]  # fmt: skip
    hostiles.arm()
    world.move_price(WETH, 2_600)
    return honest, hostile, hostiles


def test_cycle__hostile_factory__every_drifted_honest_vault_traded_and_the_global_breaker_never_trips(
    world, hostile_factory, tmp_path
):  # fmt: skip
    honest, hostile, hostiles = hostile_factory
    keeper = world.keeper(tmp_path, [], factory=world.factory.address)
    keeper.chain.vaults()  # discovery is one batch, once; the cycles measured below are the steady state
    round_trips = []

    for weth in (2_400, 2_900, 3_500, 3_500):  # the fake oracle walks WETH up, each step under the 25 % limit
        hostiles.walk_oracles(weth)
        report = world.cycle(keeper)
        round_trips.append(report.round_trips)
        assert GLOBAL not in keeper.journal.breakers(), keeper.journal.breakers()

    assert all(len(world.trades(vault)) == 1 for vault in honest), report.skipped
    assert not set(keeper.journal.breakers()) & {v.address for v in honest}
    assert keeper.journal.failures() == 0
    assert max(round_trips) <= 2 * HONEST, round_trips
    skipped = report.skipped
    assert all(skipped[v.address].startswith("not served") for v in hostile[:4])  # wrong keeper, unlisted adapter
    burners = [v.address for v in hostile[6:]]
    assert all("3 failures in a row" in keeper.journal.breakers().get(v, "") for v in burners), report.skipped
