"""Plan a vault's rebalance: a pure function from one `VaultState` to the ordered trades that move it to its targets.

No network, no clock, no floats: token amounts are integers in each token's smallest unit, prices and values
18-decimal USD, weights bps. `plan(state, config, now)` is all the rest of the keeper calls; the executor sends the
first trade of a plan once `plan.ready_at <= now` and plans again from fresh state on the next cycle.

Band. With `d = value * BPS - target * nav` (a component's drift from target, exact, in bps-of-NAV scaled by NAV),
a component is *out of band* when `|d| * BPS > band * nav`, where `band = min(abs_band * BPS, rel_band * target)`
if `rel_band > 0` and `target > 0`, else `abs_band * BPS` (so `band` is in units of 1/BPS of a bps). In words:
|weight - target| > min(abs_band, rel_band/10,000 * target) bps, tested without rounding the weight; `rel_band = 0`
or a zero target leaves the absolute band alone. The vault is rebalanced when any component is out of band, and
then every trade moves both of its legs all the way toward their targets, not just to the band's edge; planning
stops when no component is out of band, no pair yields a valid trade, or `max_trades` trades are planned.

Trades mirror `RebalancePolicy.check_trade` and `record_trade` with their integer formulas (`value_of` rounds down,
as `OracleRouter.values` does). Greedy: the most overweight component (largest excess value) is sold for the most
underweight (largest deficit value); a pair that yields no valid trade is skipped for the next one. A trade is worth
`min(excess, deficit, caps)`, where the caps are `max_trade` of NAV, `config.max_trade_value` (when non-zero) and
the NAV-loss cap at the keeper's slippage; below `config.min_trade_value` the pair is skipped.

Planning model: each trade fills at the oracle price, rounded down — the sell leg loses `amount_in`, the buy leg
gains `value_in * 10**decimals // price` — so NAV never rises and falls by rounding only (less than one buy-token
unit's value plus 2 wei). Under this model every planned trade leaves its sell leg at or above its target and its
buy leg at or below it, exactly (the policy's `tolerance` is not spent): the sell leg keeps the fewest units worth
its target, and the buy leg aims short of its target by that worst rounding loss. A trade whose `min_out` is more
than this fill is skipped: only a pool beating the oracle could fill it.
"""

from dataclasses import dataclass, replace

from keeper.errors import ConfigError
from keeper.state import BPS, Limits, Trade, VaultState, utc, value_of


class PlannerConfigError(ConfigError):
    """A `PlannerConfig` field is out of its range; the message names the field."""


@dataclass(frozen=True)
class PlannerConfig:
    """How far a vault may drift and how the keeper trades it back; money in 18-decimal USD, rates in bps."""

    abs_band: int = 100  # a component is out of band when |weight - target| > abs_band ...
    rel_band: int = 2_000  # ... or > rel_band / 10,000 of its target, whichever is smaller (0 disables)
    min_trade_value: int = 10 * 10**18  # smaller trades are not worth the gas
    max_trade_value: int = 0  # 0: only the policy's max_trade share of NAV limits a trade
    # Accepted below the oracle value; above the policy's max_slippage the plan is refused. None: the policy's own
    # max_slippage, the most the vault accepts (a routed trade pays two pool fees, so a fixed 0.5 % cannot fill).
    slippage: int | None = None
    max_trades: int = 16  # planned per vault; the executor sends the first one per cycle
    route_via: str | None = None  # routed through when neither leg is it: path (sell, via, buy), else (sell, buy)

    def __post_init__(self) -> None:
        for name in ("abs_band", "rel_band", "min_trade_value", "max_trade_value"):
            if getattr(self, name) < 0:
                raise PlannerConfigError(f"planner config: {name} must not be negative")
        if self.slippage is not None and not 0 <= self.slippage < BPS:
            raise PlannerConfigError(f"planner config: slippage must be 0 to {BPS - 1} bps")
        if self.max_trades < 1:
            raise PlannerConfigError("planner config: max_trades must be at least 1")


@dataclass(frozen=True)
class ComponentRow:
    """One component now against its target, for the `keeper plan` table; `weight` is rounded down."""

    token: str
    weight: int  # bps of NAV, rounded down as `VaultState.weights` does
    target: int
    min_weight: int
    max_weight: int
    drift: int  # weight - target, bps (the band test itself does not round; see the module docstring)
    value: int  # USD, 18 decimals
    out_of_band: bool


@dataclass(frozen=True)
class Plan:
    """What the keeper would do for one vault now, and why."""

    vault: str
    trades: tuple[Trade, ...]  # in the order to send
    rows: tuple[ComponentRow, ...]  # empty when the oracle refused a price
    nav: int
    reason: str  # one sentence: why there are no trades, or what the trades do
    ready_at: int  # the first timestamp the policy accepts a trade (the cooldown's end); `now` when ready


def plan(state: VaultState, config: PlannerConfig, now: int) -> Plan:
    """The trades that bring `state` back to its targets, in the order to send them; see the module docstring."""
    limits = state.limits
    ready_at = max(now, state.cooldown_ends())
    refused = _refusal(state, config)
    if config.slippage is None:
        config = replace(config, slippage=min(limits.max_slippage, BPS - 1))
    if refused is not None and not state.priced:
        return Plan(state.vault, (), (), 0, refused, ready_at)
    book = _Book(state)
    rows = _rows(state, book, config)
    if refused is None and book.nav == 0:
        refused = "zero NAV"
    if refused is None and not any(row.out_of_band for row in rows):
        refused = "in band"
    if refused is not None:
        return Plan(state.vault, (), rows, book.nav, refused, ready_at)

    nav = book.nav
    legs, skipped = _greedy(book, _bands(state, config), config, limits)  # Fills `book` as it plans.
    if config.route_via is not None:
        legs = _route_order(state, config, limits, legs)
    trades = tuple(_trade(state, config.route_via, leg) for leg in legs)
    if not trades:
        return Plan(state.vault, (), rows, nav, skipped or "no valid trade", ready_at)
    reason = f"{len(trades)} trade{'s' if len(trades) > 1 else ''} toward targets"
    if ready_at > now:
        reason = f"cooling down until {utc(ready_at)}; {reason}"
    return Plan(state.vault, trades, rows, nav, reason, ready_at)


def _refusal(state: VaultState, config: PlannerConfig) -> str | None:
    """Why no trade may be planned at all, checked before any value is computed; None when planning may go on."""
    if state.rebalance_paused:
        return "rebalance paused"
    if not state.priced or 0 in state.prices:
        access = state.access
        if access is not None and access.refused:
            return f"oracle refused a price for {', '.join(access.refused)}: {access.reason}"
        return "oracle refused a price"
    if state.supply == 0:
        return "no supply"
    if config.slippage is not None and config.slippage > state.limits.max_slippage:
        return f"keeper slippage {config.slippage} bps exceeds the policy's {state.limits.max_slippage} bps"
    return None


class _Book:
    """A working copy of the vault's holdings at oracle prices, updated trade by trade as the planning model fills."""

    def __init__(self, state: VaultState) -> None:
        self.prices = state.prices
        self.decimals = state.decimals
        self.scales = tuple(10**decimals for decimals in state.decimals)
        self.targets = state.targets
        self.holdings = list(state.holdings)
        self.values = list(state.values())
        self.nav = sum(self.values)

    def value(self, i: int, amount: int) -> int:
        return value_of(amount, self.prices[i], self.decimals[i])

    def drift(self, i: int) -> int:
        """value * BPS - target * nav: positive when overweight."""
        return self.values[i] * BPS - self.targets[i] * self.nav

    def fill(self, sell: int, buy: int, amount_in: int, value_in: int) -> None:
        """Apply a trade filled at the oracle price, rounded down: the buy leg gets what `value_in` buys exactly."""
        amount_out = value_in * self.scales[buy] // self.prices[buy]
        for i, delta in ((sell, -amount_in), (buy, amount_out)):
            self.holdings[i] += delta
            new_value = self.value(i, self.holdings[i])
            self.nav += new_value - self.values[i]
            self.values[i] = new_value


@dataclass(frozen=True)
class _Leg:
    sell: int
    buy: int
    amount_in: int
    value_in: int
    min_out: int


def _bands(state: VaultState, config: PlannerConfig) -> tuple[int, ...]:
    """Each component's band in 1/BPS of a bps: out of band when |drift| * BPS > band * nav."""
    return tuple(
        min(config.abs_band * BPS, config.rel_band * target) if config.rel_band and target else config.abs_band * BPS
        for target in state.targets
    )


def _out_of_band(book: _Book, bands: tuple[int, ...]) -> bool:
    return any(abs(book.drift(i)) * BPS > band * book.nav for i, band in enumerate(bands))


def _rows(state: VaultState, book: _Book, config: PlannerConfig) -> tuple[ComponentRow, ...]:
    bands = _bands(state, config)
    rows = []
    for i, token in enumerate(state.tokens):
        weight = book.values[i] * BPS // book.nav if book.nav else 0
        rows.append(
            ComponentRow(
                token=token,
                weight=weight,
                target=state.targets[i],
                min_weight=state.min_weights[i],
                max_weight=state.max_weights[i],
                drift=weight - state.targets[i],
                value=book.values[i],
                out_of_band=book.nav > 0 and abs(book.drift(i)) * BPS > bands[i] * book.nav,
            )
        )
    return tuple(rows)


def _cap(book: _Book, config: PlannerConfig, limits: Limits) -> tuple[int, str]:
    """The largest trade value the caps allow at this NAV, and the reason to give when it is below the minimum."""
    caps = [(book.nav * limits.max_trade // BPS, "policy's max_trade caps trades below the minimum trade value")]
    if config.max_trade_value:
        caps.append((config.max_trade_value, "max_trade_value is below the minimum trade value"))
    if config.slippage:
        # Filled at min_out, the trade loses at most value_in * slippage / BPS; record_trade compares that with
        # (NAV after + loss) * max_nav_loss, and NAV after + loss >= NAV before - 1 (one wei of sell-leg rounding).
        caps.append(
            (
                (book.nav - 1) * limits.max_nav_loss // config.slippage,
                f"NAV-loss cap of {limits.max_nav_loss} bps allows no trade worth sending at {config.slippage} bps",
            )
        )
    return min(caps)


def _size(book: _Book, sell: int, buy: int, cap: int, config: PlannerConfig) -> _Leg | str:
    """The largest valid trade of `sell` for `buy` worth at most `cap`, or why there is none."""
    nav, prices, scales = book.nav, book.prices, book.scales
    minimum = max(1, config.min_trade_value)
    excess = book.drift(sell) // BPS
    # Filling at the oracle price rounds NAV down by less than one buy-token unit's value plus 2 wei: aim the buy
    # leg that much short of its target, so it is not past the target of the NAV after the trade.
    rounding_loss = -(-prices[buy] // scales[buy]) + 2
    deficit = (book.targets[buy] * (nav - rounding_loss) - book.values[buy] * BPS) // BPS
    value = min(excess, deficit, cap)
    if value < minimum:
        return "drift below minimum trade value"
    # The fewest units of `sell` still worth its target: selling down to them never takes it below target.
    target_sell = -(-book.targets[sell] * nav // BPS)
    keep = -(-target_sell * scales[sell] // prices[sell])
    amount_in = min(value * scales[sell] // prices[sell], book.holdings[sell] - keep)
    value_in = book.value(sell, amount_in)
    if amount_in <= 0 or value_in < minimum:
        return "drift below minimum trade value at the sell token's precision"
    min_out = _min_out(value_in, prices[buy], book.decimals[buy], config.slippage)
    if min_out > value_in * scales[buy] // prices[buy]:
        return "min_out above the oracle fill at the buy token's precision"
    return _Leg(sell, buy, amount_in, value_in, min_out)


def _min_out(value_in: int, price: int, decimals: int, slippage: int) -> int:
    """The fewest units of the buy token worth at least (1 - slippage) of `value_in`, by check_trade's formula."""
    scale = 10**decimals
    floor_value = -(-value_in * (BPS - slippage) // BPS)
    min_out = -(-floor_value * scale // price)
    while value_of(min_out, price, decimals) * BPS < value_in * (BPS - slippage):
        min_out += 1  # Never taken (the ceilings above are exact); kept so a formula slip cannot send a bad bound.
    return min_out


def _greedy(
    book: _Book, bands: tuple[int, ...], config: PlannerConfig, limits: Limits
) -> tuple[list[_Leg], str | None]:
    """Plan trades on `book` until nothing is out of band; and why planning stopped early, if a pair was skipped."""
    legs: list[_Leg] = []
    first_skip: str | None = None
    n = len(book.values)
    while len(legs) < config.max_trades and _out_of_band(book, bands):
        cap, cap_reason = _cap(book, config, limits)
        if cap < max(1, config.min_trade_value):
            first_skip = first_skip or cap_reason
            break
        drifts = [book.drift(i) for i in range(n)]
        sells = sorted((i for i in range(n) if drifts[i] > 0), key=lambda i: (-drifts[i], i))
        buys = sorted((i for i in range(n) if drifts[i] < 0), key=lambda i: (drifts[i], i))
        leg = _first_valid(book, sells, buys, drifts, cap, config)
        if isinstance(leg, str):
            first_skip = first_skip or leg
            break
        legs.append(leg)
        book.fill(leg.sell, leg.buy, leg.amount_in, leg.value_in)
    return legs, first_skip


def _first_valid(
    book: _Book, sells: list[int], buys: list[int], drifts: list[int], cap: int, config: PlannerConfig
) -> _Leg | str:
    """The first valid trade, most overweight and most underweight pairs first; or why the best pair was skipped."""
    if not sells or not buys:
        return "no pair of an overweight and an underweight component"
    minimum = max(1, config.min_trade_value) * BPS
    reason = None
    for s in sells:
        if drifts[s] < minimum:  # Sorted: every later sell leg's excess is smaller still.
            break
        for b in buys:
            if -drifts[b] < minimum:  # Likewise for the buy legs' deficits.
                break
            leg = _size(book, s, b, cap, config)
            if isinstance(leg, _Leg):
                return leg
            reason = reason or leg
    return reason or "drift below minimum trade value"


def _route_order(state: VaultState, config: PlannerConfig, limits: Limits, legs: list[_Leg]) -> list[_Leg]:
    """Sell into `route_via` first and out of it last (a stable sort), then re-size each trade in that order.

    Re-sizing on a fresh book keeps every trade valid in the order it is sent: each is capped at the value the greedy
    pass gave it and re-checked against the state its predecessors leave, and dropped if it no longer passes.
    """
    via = config.route_via.lower()
    tokens = [token.lower() for token in state.tokens]
    order = sorted(legs, key=lambda leg: 0 if tokens[leg.buy] == via else 2 if tokens[leg.sell] == via else 1)
    if order == legs:
        return legs
    book = _Book(state)
    resized = []
    for wanted in order:
        cap, _ = _cap(book, config, limits)
        leg = _size(book, wanted.sell, wanted.buy, min(cap, wanted.value_in), config)
        if isinstance(leg, _Leg):
            resized.append(leg)
            book.fill(leg.sell, leg.buy, leg.amount_in, leg.value_in)
    return resized


def _trade(state: VaultState, route_via: str | None, leg: _Leg) -> Trade:
    sell, buy = state.tokens[leg.sell], state.tokens[leg.buy]
    direct = route_via is None or route_via.lower() in (sell.lower(), buy.lower())
    return Trade(
        vault=state.vault,
        sell=sell,
        buy=buy,
        amount_in=leg.amount_in,
        min_out=leg.min_out,
        value_in=leg.value_in,
        path=(sell, buy) if direct else (sell, route_via, buy),
    )


def route_candidates(trade: Trade, state: VaultState, route_via: str | None = None) -> list[tuple[str, ...]]:
    """The paths worth quoting for `trade`: the planned one, direct, and through each hop the vault's policy allows
    (`state.access.hops`: the keeper's route tokens its oracle prices) and `route_via` when it is a component (the
    oracle prices those too). Each path once, never through one of its own legs."""
    hops = state.access.hops if state.access is not None else ()
    vias = list(hops)
    if route_via and route_via.lower() in {t.lower() for t in state.tokens}:
        vias.append(route_via)
    legs = (trade.sell.lower(), trade.buy.lower())
    paths = [trade.path, (trade.sell, trade.buy)]
    paths += [(trade.sell, via, trade.buy) for via in vias if via.lower() not in legs]
    unique: list[tuple[str, ...]] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique
