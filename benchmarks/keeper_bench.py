"""The keeper's speed targets (SPEC: plan a 32-component vault in < 5 ms; <= 2 RPC round trips per vault per cycle;
100 vaults within one 12-second block on one process), measured in one run and printed beside the targets.

- Plan time: `keeper.planner.plan` on a drifted 32-component state (and a 3-component one), median of many runs.
- On a real anvil node (node_modules/.bin/anvil, started by ape's foundry provider): the same priced market, Uniswap
  V2 pools and factory as the integration tests, 100 vaults found through the factory, WETH moved 30 % so every
  vault must trade. Two cycles are timed: the one that reads, plans, simulates, signs and sends 100 trades, and the
  next one that follows those 100 transactions to their receipts (every vault then cooling down).
- A hostile factory, on a fresh node: 100 honest vaults and 100 strangers' vaults (20 of each kind: wrong keeper,
  unlisted adapter, own oracle walking WETH up in steps, a token whose transfers revert, a token whose balanceOf
  burns all gas; tests/fixtures/anvil.py `Hostiles`). Four cycles: every drifted honest vault must trade, the
  global breaker must never trip, at <= 2 round trips per honest vault in every cycle.

Run: `make bench` (or `python benchmarks/keeper_bench.py` inside the project's venv).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python benchmarks/keeper_bench.py`: the project root first, for `keeper` and the tests' fixtures.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))

from ape import accounts, networks, project
from ape.logging import LogLevel, logger

from keeper.planner import PlannerConfig, plan
from keeper.state import Limits, VaultState

VAULTS = 100
PLAN_RUNS = 500
BLOCK_SECONDS = 12.0
WETH = 1


class BenchmarkError(Exception):
    """A measurement went wrong; the table would be meaningless."""


def drifted_state(n: int) -> VaultState:
    """n components of 18 decimals at $1..$n, equal targets, holdings skewed +/-30 % around them."""
    prices = tuple((i + 1) * 10**18 for i in range(n))
    target_value = 10**6 * 10**18 // n
    holdings = tuple(target_value * (13 if i % 2 else 7) // 10 * 10**18 // prices[i] for i in range(n))
    targets = [10_000 // n] * n
    targets[0] += 10_000 - sum(targets)
    return VaultState(
        vault="0x" + "11" * 20, policy="0x" + "22" * 20, tokens=tuple(f"0x{i + 1:040x}" for i in range(n)),
        units=holdings, holdings=holdings, targets=tuple(targets), min_weights=(0,) * n, max_weights=(10_000,) * n,
        prices=prices, decimals=(18,) * n, feeds=tuple(f"0x{i + 101:040x}" for i in range(n)), supply=10**18,
        limits=Limits(100, 2_000, 50, 50, 3_600, 500, 604_800, 500), last_rebalance=0, last_target_change=0,
        mint_paused=False, rebalance_paused=False, oracle="0x" + "33" * 20, timestamp=10**6,
    )  # fmt: skip


def plan_milliseconds(n: int) -> tuple[float, int]:
    """(median ms per plan, trades planned) for a drifted n-component vault."""
    state, config = drifted_state(n), PlannerConfig()
    trades = len(plan(state, config, 10**6).trades)
    if not trades:
        raise BenchmarkError(f"the {n}-component state planned no trades: the measurement would be of nothing")
    runs = []
    for _ in range(PLAN_RUNS):
        started = time.perf_counter()
        plan(state, config, 10**6)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1_000, trades


@contextmanager
def anvil_world():
    """The tests' anvil world (market, Uniswap V2, factory, lens) on an anvil of its own, stopped on exit."""
    from fixtures.anvil import DEPLOYER, GOVERNANCE, LIQUIDITY, World, free_port
    from fixtures.market import deploy_market
    from fixtures.uniswap import deploy_uniswap

    from scripts.deploy import deploy_factory

    settings = {"host": f"http://127.0.0.1:{free_port()}"}
    with networks.parse_network_choice("ethereum:local:foundry", provider_settings=settings) as provider:
        deployer = accounts.test_accounts[DEPLOYER]
        market = deploy_market(
            deployer, accounts.test_accounts[GOVERNANCE], accounts.test_accounts[LIQUIDITY],
            deploy_uniswap(deployer), heartbeat=86_400,
        )  # fmt: skip
        yield World(provider.uri, market, deploy_factory(deployer), project.VaultLens.deploy(sender=deployer))


def measure_cycles() -> dict[str, float]:
    with anvil_world() as world:
        factory = world.factory
        started = time.perf_counter()
        vaults = [world.create_vault(supply=10**18) for _ in range(VAULTS)]  # $1,000 each: pools stay at price
        print(f"(created {VAULTS} vaults in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
        world.move_price(WETH, 2_600)

        with tempfile.TemporaryDirectory() as data_dir:
            keeper = world.keeper(Path(data_dir), [], factory=factory.address, min_trade_value=10**18)
            keeper.chain.vaults()  # discovery happens once, before the timed cycles
            trading = timed_cycle(keeper)
            world.settle(timeout=120)
            following = timed_cycle(keeper)
        trades = len(world.trades(vaults[0])) + sum(len(world.trades(v)) for v in vaults[1:])
    if len(trading["report"].sent) != VAULTS or trades != VAULTS:
        raise BenchmarkError(f"expected {VAULTS} trades, sent {len(trading['report'].sent)}, mined {trades}")
    return {"trading": trading, "following": following}


HOSTILE_PER_KIND = 20


def measure_hostile() -> dict:
    """The hostile-factory row: 100 honest and 100 hostile vaults in one factory, four cycles."""
    from fixtures.anvil import HOSTILE_KINDS, Hostiles
    from keeper.journal import GLOBAL

    with anvil_world() as world:
        started = time.perf_counter()
        honest = [world.create_vault(supply=10**18) for _ in range(VAULTS)]
        hostiles = Hostiles(world)
        for kind in HOSTILE_KINDS:
            for _ in range(HOSTILE_PER_KIND):
                hostiles.vault(kind, supply=0 if kind in ("wrong_keeper", "unlisted_adapter") else 10**18)
        hostiles.arm()
        print(f"(created {VAULTS} honest and {VAULTS} hostile vaults in {time.perf_counter() - started:.0f} s)",
              file=sys.stderr)  # fmt: skip
        world.move_price(WETH, 2_600)

        with tempfile.TemporaryDirectory() as data_dir:
            keeper = world.keeper(Path(data_dir), [], factory=world.factory.address, min_trade_value=10**18)
            keeper.chain.vaults()
            cycles, global_tripped = [], False
            for weth in (2_400, 2_900, 3_500, 3_500):  # the strangers' oracles walk WETH up, each step < 25 %
                hostiles.walk_oracles(weth)
                cycles.append(timed_cycle(keeper))
                world.settle(timeout=120)
                global_tripped |= GLOBAL in keeper.journal.breakers()
            hostile_stopped = len(keeper.journal.breakers())
        traded = sum(1 for vault in honest if world.trades(vault))
    return {"cycles": cycles, "traded": traded, "global": global_tripped, "hostile_stopped": hostile_stopped}


def timed_cycle(keeper) -> dict:
    started = time.perf_counter()
    report = keeper.cycle()
    return {"seconds": time.perf_counter() - started, "report": report}


def main() -> int:
    logger.set_level(LogLevel.WARNING)
    plan32, trades32 = plan_milliseconds(32)
    plan3, trades3 = plan_milliseconds(3)
    cycles = measure_cycles()
    hostile = measure_hostile()
    trading, following = cycles["trading"], cycles["following"]
    rows = [
        (f"plan, 32 components ({trades32} trades), median", f"{plan32:.2f} ms", "< 5 ms", plan32 < 5),
        (f"plan, 3 components ({trades3} trades), median", f"{plan3:.2f} ms", "", True),
    ]
    for name, cycle in (("trading: read, plan, simulate, sign, send", trading), ("following 100 receipts", following)):
        per_vault = cycle["report"].round_trips / VAULTS
        rows.append((f"round trips per vault, {name}", f"{per_vault:.2f}", "<= 2", per_vault <= 2))
        rows.append((f"cycle over {VAULTS} vaults, {name}", f"{cycle['seconds']:.2f} s", "< 12 s",
                     cycle["seconds"] < BLOCK_SECONDS))  # fmt: skip
    name = f"hostile factory ({VAULTS} honest + {VAULTS} hostile)"
    worst = max(cycle["report"].round_trips for cycle in hostile["cycles"]) / VAULTS
    slowest = max(cycle["seconds"] for cycle in hostile["cycles"])
    rows += [
        (f"{name}: drifted honest vaults traded", f"{hostile['traded']}/{VAULTS}", f"{VAULTS}/{VAULTS}",
         hostile["traded"] == VAULTS),
        (f"{name}: global breaker tripped", "yes" if hostile["global"] else "no", "no", not hostile["global"]),
        (f"{name}: round trips per honest vault, worst of 4 cycles", f"{worst:.2f}", "<= 2", worst <= 2),
        (f"{name}: slowest cycle over {2 * VAULTS} vaults", f"{slowest:.2f} s", "< 12 s", slowest < BLOCK_SECONDS),
        (f"{name}: hostile vaults stopped by their own breaker", f"{hostile['hostile_stopped']}", "", True),
    ]  # fmt: skip
    width = max(len(row[0]) for row in rows)
    print(f"{'keeper benchmark':{width}}  {'measured':>10}  {'target':>7}  met")
    for name, measured, target, met in rows:
        print(f"{name:{width}}  {measured:>10}  {target:>7}  {'yes' if met else 'NO'}")
    summary = (
        f"keeper_bench plan32_ms={plan32:.2f} rt_per_vault={trading['report'].round_trips / VAULTS:.2f} "
        f"cycle100_s={trading['seconds']:.2f} follow100_s={following['seconds']:.2f} "
        f"hostile_traded={hostile['traded']} hostile_global={int(hostile['global'])} hostile_rt={worst:.2f} "
        f"hostile_slowest_s={slowest:.2f}"
    )
    print(summary)
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
