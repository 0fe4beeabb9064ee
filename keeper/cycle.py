"""One keeper cycle over every vault: follow live transactions, read all states in one batch, check breakers, plan,
quote, and hand the first ready trade of each vault to the executor. `keeper run`, the Silverback bot and the tests
all call `Keeper.cycle()`; `build()` wires a keeper from settings.

A factory is permissionless, so most of its vaults may be strangers': the same batch that reads each state also
reads whether the keeper's account may act there (`VaultLens.access`). The keeper plans, quotes and simulates only
vaults where it is a keeper (or the strategist, for targets) and whose policy allows its adapter; a vault's failures
count against that vault's breaker, and its last-seen prices are those of the oracle that vault uses.
"""

import logging
import threading
import time
from dataclasses import dataclass, field, replace

from keeper import abi
from keeper.breakers import price_jumps
from keeper.chain import ZERO_ADDRESS, Chain, Head, VaultReadError
from keeper.deployment import check_node, load_deployment
from keeper.errors import ConfigError, KeeperError
from keeper.executor import Executor, Order, SendPolicy
from keeper.history import PriceHistory
from keeper.journal import GLOBAL, Intent, Journal
from keeper.metrics import Metrics
from keeper.planner import Plan, plan, route_candidates
from keeper.rpc import Rpc
from keeper.settings import Settings
from keeper.signer import Signer, load_signer
from keeper.state import Trade, VaultState, amount_text
from keeper.strategies import GovernanceTargets, make_strategy
from keeper.strategist import Strategist
from keeper.venues import V2, V3, Quote, choose_route, encode_route, fees_text, v3_fee_choices

log = logging.getLogger("keeper")
# A vault this keeper does not serve (or cannot read) is read again only this many blocks later: a stranger's vault,
# however many of them a factory holds and however much gas their oracles burn, costs the node one read per vault
# per this many blocks, not one per cycle. Governance adding this keeper later is noticed within this many blocks.
RECHECK_BLOCKS = 50


@dataclass
class CycleReport:
    """What one cycle saw and did."""

    head: Head
    states: dict[str, VaultState | VaultReadError] = field(default_factory=dict)  # what the cycle read, per vault
    plans: dict[str, Plan] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # vault -> why nothing was sent for it
    sent: list[Intent] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)  # what was handed to the executor (before simulation)
    strategy_notes: dict[str, str] = field(default_factory=dict)  # vault -> why the strategist did not act
    round_trips: int = 0


def rebalance_order(trade: Trade, state: VaultState, adapter: str, description: str = "") -> Order:
    """The `rebalance` call for `trade` through `adapter` (the one for `trade.venue`), keyed by the vault's cooldown
    mark: once it lands the mark moves, so the same key can never be sent again, and a restart cannot send it twice."""
    calldata = abi.VAULT_REBALANCE.encode(
        trade.sell, trade.buy, trade.amount_in, trade.min_out, adapter, encode_route(trade.venue, trade.path, trade.fees)
    )
    key = f"rebalance:{state.vault}:{state.last_rebalance}:{trade.sell}:{trade.buy}"
    return Order(key=key, vault=state.vault, to=state.vault, calldata=calldata, value_in=trade.value_in,
                 description=description)  # fmt: skip


def describe_trade(trade: Trade, state: VaultState, symbols: dict[str, str], quote: int | None = None) -> str:
    """A trade as an operator reads it: `KIDX 0x5FbD…0aa3: sell 0.05 WETH -> USDC via WETH -> USDC, amount ...`."""
    decimals = dict(zip(state.tokens, state.decimals, strict=True))
    sell, buy = symbols.get(trade.sell, trade.sell), symbols.get(trade.buy, trade.buy)
    route = " -> ".join(symbols.get(t, t) for t in trade.path)
    venue = "" if trade.venue == V2 else f" on Uniswap V3 ({fees_text(trade.fees)})"
    text = (
        f"{vault_label(state.vault, symbols)}: sell {amount_text(trade.amount_in, decimals[trade.sell])} {sell} -> "
        f"{buy} via {route}{venue}, min_out {amount_text(trade.min_out, decimals[trade.buy])} {buy}"
    )
    if quote is not None:
        text += f", quote {amount_text(quote, decimals[trade.buy])} {buy}"
    return text


def vault_label(vault: str, symbols: dict[str, str]) -> str:
    """`KIDX 0x5FbD…0aa3`: the index token's symbol and a short address a person can still search for."""
    short = f"{vault[:6]}…{vault[-4:]}"
    return f"{symbols[vault]} {short}" if vault in symbols else vault


def serves(state: VaultState, adapter: str = "", adapter_v3: str = "") -> str | None:
    """Why this keeper's account has nothing to do in `state`'s vault, or None when it may act there (or watches
    without an account): it must be a keeper one of whose adapters the policy allows, or the strategist."""
    access = state.access
    if access is None or (access.keeper and (access.adapter or access.adapter_v3)) or access.strategist:
        return None
    if access.keeper:
        return f"not served: the vault's policy does not allow {_adapters_text(adapter, adapter_v3)}"
    return "not served: this keeper's account is neither a keeper nor the strategist of this vault"


def _adapters_text(adapter: str, adapter_v3: str) -> str:
    return f"adapter {adapter}" + (f" nor Uniswap V3 adapter {adapter_v3}" if adapter_v3 else "")


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
        self._resting: dict[str, tuple[int, str]] = {}  # vault -> (block it was found unserved, why)

    @property
    def route_tokens(self) -> tuple[str, ...]:
        """Tokens a route may pass through, if the vault's oracle prices them: the deployment's tokens and an
        address given as `route_via` (first, so the operator's choice is asked about even past the lens's 16)."""
        via = self.settings.route_via
        first = (via,) if abi.is_address(via) else ()
        return first + tuple(t for t in self.settings.route_tokens if t not in first)

    @property
    def account(self) -> str | None:
        """The address that signs, or None when watching only."""
        return self.executor.signer.address if self.executor is not None else None

    def cycle(self) -> CycleReport:
        """Follow live transactions, read every vault at one block, plan, and send each vault's first ready trade."""
        with self._cycle_lock:
            try:
                return self._cycle()
            except Exception:
                self.metrics.cycles_failed.inc()
                raise

    def _cycle(self) -> CycleReport:
        started, trips_before = time.perf_counter(), self.chain.rpc.round_trips
        head = self.chain.head()
        report = CycleReport(head=head)
        if self.executor is not None:
            self.executor.reconcile(head)
        vaults = []
        for vault in self.chain.vaults():
            found, why = self._resting.get(vault, (None, ""))
            if found is not None and head.number - found < RECHECK_BLOCKS:
                report.skipped[vault] = why
            else:
                vaults.append(vault)
        # Watching without an account still reads `access` (as the zero address): which price the oracle refuses.
        states = report.states = self.chain.read_states(
            vaults, head.number, self.account or ZERO_ADDRESS, self.settings.adapter, self.route_tokens,
            self.settings.adapter_v3 or None,
        )  # fmt: skip
        served: dict[str, VaultState] = {}
        for vault, state in states.items():
            if isinstance(state, VaultReadError):
                reason = str(state)
            else:
                reason = (
                    serves(state, self.settings.adapter, self.settings.adapter_v3) if self.account is not None else None
                )
            if reason is None:
                served[vault] = state
                self._resting.pop(vault, None)
            else:
                report.skipped[vault] = reason
                if self.account is not None:  # a watcher reads everything: it has no account to be refused by
                    self._resting[vault] = (head.number, f"{reason} (read again {RECHECK_BLOCKS} blocks later)")
        self._check_prices(served, head)
        # Read once per cycle, after the price checks that may trip a vault's breaker.
        breakers = self.journal.breakers()
        in_flight = {intent.vault for intent in self.journal.live()}
        trades = [
            ready
            for vault, state in served.items()
            if (ready := self._consider(vault, state, head, report, breakers, in_flight))
        ]
        orders = self._route(trades, report)
        if self.strategist is not None:
            orders += self._targets_orders(served, head, report, breakers)
        report.orders = orders
        if orders and self.executor is not None:
            report.sent = self.executor.submit(orders, head)
        report.round_trips = self.chain.rpc.round_trips - trips_before
        self.metrics.rpc_round_trips.inc(report.round_trips)
        self.metrics.cycles.inc()
        self.metrics.cycle_seconds.observe(time.perf_counter() - started)
        return report

    def _consider(self, vault: str, state: VaultState, head: Head, report: CycleReport,
                  breakers: dict[str, str], in_flight: set[str]) -> tuple[Trade, VaultState] | None:  # fmt: skip
        """The trade to send for one vault this cycle, or None with the reason in `report.skipped`."""
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
            else "not served: this keeper's account is not a keeper of this vault" if not state.access.keeper
            else f"not served: the vault's policy does not allow "
            f"{_adapters_text(self.settings.adapter, self.settings.adapter_v3)}"
            if not (state.access.adapter or state.access.adapter_v3)
            else None
        )  # fmt: skip
        if reason is not None:
            if state.access is not None and state.access.refused and reason.startswith("oracle refused"):
                for token, symbol in self.chain.symbol_map(state.access.refused).items():  # symbols, once per token
                    reason = reason.replace(token, symbol)
            report.skipped[vault] = reason
            return None
        return vault_plan.trades[0], state

    def _route(self, trades: list[tuple[Trade, VaultState]], report: CycleReport) -> list[Order]:
        """Quote every candidate route of every ready trade on every venue its policy allows, in one batch (direct,
        through each hop the policy allows, through `route_via`; Uniswap V2 and V3), and turn each trade into an
        order along the best-paying route (keeper.venues), if its quote clears the trade's oracle-bound `min_out`. A
        trade no pool can fill is skipped, not simulated: it costs no failure."""
        if not trades:
            return []
        symbols = self._symbols(trades)
        orders = []
        for (trade, state), quotes in zip(trades, self.quote_trades(trades, symbols), strict=True):
            chosen = choose_route(trade, quotes, symbols, dict(zip(state.tokens, state.decimals, strict=True)))
            if isinstance(chosen, str):
                report.skipped[state.vault] = chosen
                log.info("%s: skipped: %s", vault_label(state.vault, symbols), chosen)
                self.metrics.trades.labels(outcome="skipped").inc()
                continue
            routed = replace(trade, path=chosen.path, venue=chosen.venue, fees=chosen.fees)
            adapter = self.settings.adapter_v3 if chosen.venue == V3 else self.settings.adapter
            orders.append(rebalance_order(routed, state, adapter,
                                          describe_trade(routed, state, symbols, chosen.amount_out)))  # fmt: skip
        return orders

    def _symbols(self, trades: list[tuple[Trade, VaultState]]) -> dict[str, str]:
        """Symbols of every vault, component and hop of `trades`: read once per token for the keeper's life."""
        tokens = set()
        for _, state in trades:
            tokens.update((state.vault, *state.tokens, *(state.access.hops if state.access is not None else ())))
        return self.chain.symbol_map(tokens)

    def venues(self, state: VaultState) -> tuple[str, ...]:
        """The venues this keeper may quote for `state`'s vault: V2 with its adapter, V3 with its adapter and quoter,
        each where the vault's policy allows that adapter (as far as the lens said; not read: assumed allowed)."""
        access = state.access
        venues = []
        if self.settings.adapter and (access is None or access.adapter):
            venues.append(V2)
        if self.settings.adapter_v3 and self.settings.quoter_v3 and (access is None or access.adapter_v3):
            venues.append(V3)
        return tuple(venues)

    def quote_trades(self, trades: list[tuple[Trade, VaultState]], symbols: dict[str, str]) -> list[list[Quote]]:
        """Every candidate path of each trade quoted on each venue its vault allows (on V3 at each fee tier), in one
        round trip (none when there is nothing to quote)."""
        asked = []  # per trade: [(venue, path, fees)]
        for trade, state in trades:
            paths = route_candidates(trade, state, self._route_via(state, symbols))
            venues = self.venues(state)
            pairs = [(V2, path, ()) for path in paths] if V2 in venues else []
            if V3 in venues:
                pairs += [(V3, path, fees) for path in paths for fees in v3_fee_choices(path)]
            asked.append(pairs)
        v2 = [(trade.amount_in, path) for (trade, _), pairs in zip(trades, asked) for venue, path, _ in pairs if venue == V2]
        v3 = [(trade.amount_in, path, fees) for (trade, _), pairs in zip(trades, asked)
              for venue, path, fees in pairs if venue == V3]  # fmt: skip
        if not v2 and not v3:
            return [[] for _ in trades]
        answers_v2, answers_v3 = self.chain.quotes(self.settings.adapter, v2, self.settings.quoter_v3, v3)
        answers = {V2: iter(answers_v2), V3: iter(answers_v3)}
        return [[Quote(venue, path, next(answers[venue]), fees) for venue, path, fees in pairs] for pairs in asked]

    def quote_plans(self, report: CycleReport) -> dict[str, list[list[Quote]]]:
        """For `keeper plan`: every planned trade of every vault in `report` quoted on both venues (as `_route`
        would), in one round trip; vault -> per trade, its quotes."""
        trades = [
            (trade, report.states[vault]) for vault, vault_plan in report.plans.items() for trade in vault_plan.trades
        ]
        quoted = iter(self.quote_trades(trades, self._symbols(trades)) if trades else [])
        return {vault: [next(quoted) for _ in vault_plan.trades] for vault, vault_plan in report.plans.items()}

    def _route_via(self, state: VaultState, symbols: dict[str, str]) -> str | None:
        """`route_via` as an address for this vault: given as one, or this vault's component, allowed hop or route
        token with that symbol (never any token of that symbol: anyone can deploy a token called USDC)."""
        via = self.settings.route_via
        if not via or abi.is_address(via):
            return via or None
        known = (*state.tokens, *state.access.hops)
        return next((t for t in known if symbols.get(t, "").upper() == via.upper()), None)

    def _targets_orders(self, states: dict, head: Head, report: CycleReport, breakers: dict[str, str]) -> list[Order]:
        """`set_targets` orders for vaults whose target period has passed and whose strategist this account is
        (none while a breaker is tripped): a stranger's vault costs no price-history sync."""
        orders = []
        for vault, state in states.items():
            if GLOBAL in breakers or vault in breakers or (state.access is not None and not state.access.strategist):
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

    def _check_prices(self, states: dict[str, VaultState], head: Head) -> None:
        """Trip the breaker of each vault whose oracle prices jumped from the prices the keeper last saw *from that
        vault's oracle*; remember the other vaults' prices as last seen. Each vault is compared with the prices seen
        before this cycle. A stranger's oracle (another vault's, with its own prices) never moves what an honest
        vault is compared with."""
        last_seen = self.journal.last_prices()
        tripped = self.journal.breakers()
        for state in states.values():
            if not state.priced:
                continue
            seen = {token: price for (oracle, token), price in last_seen.items() if oracle == state.oracle}
            jumps = price_jumps(state, seen, self.settings.max_price_jump)
            if not jumps:
                self.journal.record_prices(state.oracle, dict(zip(state.tokens, state.prices, strict=True)),
                                           head.number)  # fmt: skip
                continue
            symbols = self.chain.symbol_map([state.vault, *state.tokens])
            jumps = price_jumps(state, seen, self.settings.max_price_jump, symbols)
            if state.vault not in tripped:
                log.critical("breaker tripped for %s: %s", vault_label(state.vault, symbols), "; ".join(jumps))
            self.journal.trip(state.vault, jumps[0], head.number)
            self.metrics.breaker.labels(scope=state.vault).set(1)


def build(settings: Settings, *, sign: bool, rpc: Rpc | None = None, account=None) -> Keeper:
    """A keeper from settings: checks the node answers and the lens is deployed. With `sign`, it signs with
    `account` (an ape account, e.g. Silverback's signer) or else loads `settings.account`."""
    settings.require("lens")
    if not settings.factory and not settings.vaults:
        raise ConfigError("nothing to watch: give --factory (every vault it created) or --vault ADDRESS")
    rpc = rpc or Rpc(settings.rpc_url, settings.rpc_timeout, settings.rpc_retries)
    chain = Chain(rpc, settings.lens, settings.factory, settings.vaults, read_gas=settings.max_gas * 4)
    if settings.deployment is not None:  # the node must be the chain the file was written for, before anything else
        check_node(load_deployment(settings.deployment), rpc, str(settings.deployment))
    chain.check_contract(settings.lens, "lens")
    if settings.factory:
        chain.check_contract(settings.factory, "factory")
    journal = Journal(settings.data_dir / "journal.sqlite")
    metrics = Metrics()
    executor = None
    if bool(settings.adapter_v3) != bool(settings.quoter_v3):
        raise ConfigError(
            "--adapter-v3 and --quoter-v3 go together: the quoter prices the routes the Uniswap V3 adapter would take"
        )
    if sign:
        settings.require("adapter")
        chain.check_contract(settings.adapter, "adapter")
        if settings.adapter_v3:
            chain.check_contract(settings.adapter_v3, "Uniswap V3 adapter")
            chain.check_contract(settings.quoter_v3, "Uniswap V3 quoter")
        signer = Signer(account, chain.chain_id()) if account else load_signer(settings.account, chain.chain_id())
        policy = SendPolicy(
            max_fee=settings.max_fee, priority_fee=settings.priority_fee, gas_margin=settings.gas_margin,
            stuck_blocks=settings.stuck_blocks, confirmations=settings.confirmations,
            max_failures=settings.max_failures, max_gas=settings.max_gas,
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
