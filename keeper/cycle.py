"""One keeper cycle over every vault: follow live transactions, read all states in one batch, check breakers, plan,
and hand the first ready trade of each vault to the executor. `keeper run`, the Silverback bot and the tests all
call `Keeper.cycle()`; `build()` wires a keeper from settings.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from keeper import abi
from keeper.breakers import price_jumps
from keeper.chain import Chain, Head, VaultReadError
from keeper.errors import ConfigError, KeeperError
from keeper.executor import Executor, Order, SendPolicy
from keeper.history import PriceHistory
from keeper.journal import GLOBAL, Intent, Journal
from keeper.metrics import Metrics
from keeper.planner import Plan, plan
from keeper.rpc import Rpc
from keeper.settings import Settings
from keeper.signer import Signer, load_signer
from keeper.state import Trade, VaultState
from keeper.strategies import GovernanceTargets, make_strategy
from keeper.strategist import Strategist

log = logging.getLogger("keeper")


@dataclass
class CycleReport:
    """What one cycle saw and did."""

    head: Head
    states: dict[str, VaultState | VaultReadError] = field(default_factory=dict)  # what the cycle read, per vault
    plans: dict[str, Plan] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # vault -> why nothing was sent for it
    sent: list[Intent] = field(default_factory=list)
    strategy_notes: dict[str, str] = field(default_factory=dict)  # vault -> why the strategist did not act
    round_trips: int = 0


def rebalance_order(trade: Trade, state: VaultState, adapter: str) -> Order:
    """The `rebalance` call for `trade`, keyed by the vault's cooldown mark: once it lands the mark moves, so the
    same key can never be sent again, and a restart cannot send it twice."""
    calldata = abi.VAULT_REBALANCE.encode(
        trade.sell, trade.buy, trade.amount_in, trade.min_out, adapter, abi.encode_path(trade.path)
    )
    key = f"rebalance:{state.vault}:{state.last_rebalance}:{trade.sell}:{trade.buy}"
    return Order(key=key, vault=state.vault, to=state.vault, calldata=calldata, value_in=trade.value_in)


class Keeper:
    """Watches vaults and rebalances them within their policies. `executor` None = watch and plan only."""

    def __init__(self, settings: Settings, chain: Chain, journal: Journal, metrics: Metrics,
                 executor: Executor | None = None, strategist: Strategist | None = None):  # fmt: skip
        self.settings, self.chain, self.journal, self.metrics, self.executor = (
            settings, chain, journal, metrics, executor)  # fmt: skip
        self.strategist = strategist
        self.planner_config = settings.planner_config()
        # The block handler and the cron window may fire together: cycles never overlap, so the second one sees
        # what the first sent and cannot send it again.
        self._cycle_lock = threading.Lock()

    def cycle(self) -> CycleReport:
        """Follow live transactions, read every vault at one block, plan, and send each vault's first ready trade."""
        with self._cycle_lock:
            return self._cycle()

    def _cycle(self) -> CycleReport:
        started, trips_before = time.perf_counter(), self.chain.rpc.round_trips
        head = self.chain.head()
        report = CycleReport(head=head)
        if self.executor is not None:
            self.executor.reconcile(head)
        vaults = self.chain.vaults()
        states = report.states = self.chain.read_states(vaults, head.number)
        self._check_prices(states, head)
        # Read once per cycle, after the price checks that may trip a vault's breaker.
        breakers = self.journal.breakers()
        in_flight = {intent.vault for intent in self.journal.live()}
        orders = [
            order
            for vault, state in states.items()
            if (order := self._consider(vault, state, head, report, breakers, in_flight))
        ]
        if self.strategist is not None:
            orders += self._targets_orders(states, head, report, breakers)
        if orders and self.executor is not None:
            report.sent = self.executor.submit(orders, head)
        report.round_trips = self.chain.rpc.round_trips - trips_before
        self.metrics.rpc_round_trips.inc(report.round_trips)
        self.metrics.cycles.inc()
        self.metrics.cycle_seconds.observe(time.perf_counter() - started)
        return report

    def _consider(self, vault: str, state: VaultState | VaultReadError, head: Head, report: CycleReport,
                  breakers: dict[str, str], in_flight: set[str]) -> Order | None:  # fmt: skip
        """The order to send for one vault this cycle, or None with the reason in `report.skipped`."""
        if isinstance(state, VaultReadError):
            report.skipped[vault] = str(state)
            return None
        vault_plan = plan(state, self.planner_config, head.timestamp)
        report.plans[vault] = vault_plan
        if vault_plan.rows:
            self.metrics.drift.labels(vault=vault).set(max(abs(row.drift) for row in vault_plan.rows))
        reason = (
            f"breaker: {breakers[GLOBAL]}" if GLOBAL in breakers
            else f"breaker: {breakers[vault]}" if vault in breakers
            else "a transaction for this vault is still in flight" if vault in in_flight
            else vault_plan.reason if not vault_plan.trades or vault_plan.ready_at > head.timestamp
            else "no signer: watching only" if self.executor is None
            else None
        )  # fmt: skip
        if reason is not None:
            report.skipped[vault] = reason
            return None
        return rebalance_order(vault_plan.trades[0], state, self.settings.adapter)

    def _targets_orders(self, states: dict, head: Head, report: CycleReport, breakers: dict[str, str]) -> list[Order]:
        """`set_targets` orders for vaults whose target period has passed (none while a breaker is tripped)."""
        orders = []
        for vault, state in states.items():
            if isinstance(state, VaultReadError) or GLOBAL in breakers or vault in breakers:
                continue
            try:
                order = self.strategist.order(state, head.timestamp)
            except KeeperError as error:  # e.g. momentum without enough history yet: say so, keep rebalancing
                report.strategy_notes[vault] = str(error)
                log.info("%s: strategist waits: %s", vault, error)
                continue
            if order is not None and not self.journal.has_key(order.key):
                orders.append(order)
        return orders

    def _check_prices(self, states: dict[str, VaultState | VaultReadError], head: Head) -> None:
        """Trip the breaker of each vault whose oracle prices jumped from the keeper's last-seen prices; remember the
        other vaults' prices as last seen. Each vault is compared with the prices seen before this cycle."""
        last_seen = self.journal.last_prices()
        tripped = self.journal.breakers()
        for state in states.values():
            if isinstance(state, VaultReadError) or not state.priced:
                continue
            jumps = price_jumps(state, last_seen, self.settings.max_price_jump)
            if not jumps:
                self.journal.record_prices(dict(zip(state.tokens, state.prices, strict=True)), head.number)
                continue
            if state.vault not in tripped:
                log.critical("breaker tripped for %s: %s", state.vault, "; ".join(jumps))
            self.journal.trip(state.vault, jumps[0], head.number)
            self.metrics.breaker.labels(scope=state.vault).set(1)


def build(settings: Settings, *, sign: bool, rpc: Rpc | None = None, account=None) -> Keeper:
    """A keeper from settings: checks the node answers and the lens is deployed. With `sign`, it signs with
    `account` (an ape account, e.g. Silverback's signer) or else loads `settings.account`."""
    settings.require("lens")
    if not settings.factory and not settings.vaults:
        raise ConfigError("nothing to watch: give --factory (every vault it created) or --vault ADDRESS")
    rpc = rpc or Rpc(settings.rpc_url, settings.rpc_timeout, settings.rpc_retries)
    chain = Chain(rpc, settings.lens, settings.factory, settings.vaults)
    chain.check_contract(settings.lens, "lens")
    if settings.factory:
        chain.check_contract(settings.factory, "factory")
    journal = Journal(settings.data_dir / "journal.sqlite")
    metrics = Metrics()
    executor = None
    if sign:
        settings.require("adapter")
        chain.check_contract(settings.adapter, "adapter")
        signer = Signer(account, chain.chain_id()) if account else load_signer(settings.account, chain.chain_id())
        policy = SendPolicy(
            max_fee=settings.max_fee, priority_fee=settings.priority_fee, gas_margin=settings.gas_margin,
            stuck_blocks=settings.stuck_blocks, confirmations=settings.confirmations,
            max_failures=settings.max_failures,
        )  # fmt: skip
        executor = Executor(rpc, signer, journal, policy, metrics)
    strategist = None
    if sign and settings.strategy != GovernanceTargets.name:
        strategy = make_strategy(
            settings.strategy, stablecoin=settings.stablecoin, top_n=settings.top_n, cap_bps=settings.cap,
            market_caps=settings.market_caps,
        )  # fmt: skip
        strategist = Strategist(chain, PriceHistory(settings.data_dir / "history.sqlite"), strategy)
    return Keeper(settings, chain, journal, metrics, executor, strategist)


def summary_of(report: CycleReport) -> dict[str, int]:
    """A cycle as numbers, for Silverback's per-handler metrics and the run loop's log line."""
    return {
        "block": report.head.number,
        "vaults": len(report.plans) + len([v for v in report.skipped if v not in report.plans]),
        "sent": len(report.sent),
        "skipped": len(report.skipped),
        "round_trips": report.round_trips,
    }
