"""Backtest a target-weight strategy on daily prices: an index of integer token amounts, re-targeted every N days.

The simulated index starts at `initial_usd` split by its initial targets (equal weight unless given), valued in
18-decimal USD at each day's prices. Every `rebalance_every_days` rows it asks the strategy for targets (once the
strategy's `warmup_days` of prices exist), clamps them as `RebalancePolicy.set_targets` would
(`clamp_to_policy`), and trades the whole basket to the targets at that day's prices, paying `fee_bps` of the
value sold. A strategy answering None keeps the current targets, and the basket is still traded back to them, as
the keeper does with governance's targets.

Rows are days: volatility is annualised with 365 rows a year, and "every 7 days" means every 7 rows. Prices are
per whole token and every token is held in 18-decimal units. All money is integer; floats never appear, not even
in the table (percentages are formatted from bps).
"""

import csv
import decimal
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from keeper.errors import KeeperError
from keeper.state import BPS, ONE, value_of
from keeper.strategies.base import Strategy, StrategyInput, clamp_to_policy, equal_split

# (timestamps, {symbol: prices}) as `load_prices` returns them: one price per timestamp, 18-decimal USD.
Prices = tuple[Sequence[int], Mapping[str, Sequence[int]]]

REFERENCE = "buy-and-hold (equal weight)"
DAYS_PER_YEAR = 365
TOKEN_DECIMALS = 18


class BacktestError(KeeperError):
    """The price file or the backtest parameters cannot work; the message says where and why."""


@dataclass(frozen=True)
class BacktestResult:
    """What one strategy did over the price history. Money in 18-decimal USD, ratios in bps."""

    strategy: str
    initial_value: int
    final_value: int
    total_return_bps: int  # (final - initial) / initial, rounded down
    max_drawdown_bps: int  # the largest fall from a previous peak, as a positive number
    volatility_bps: int  # annualised standard deviation of daily returns
    traded_value: int  # USD sold over all rebalances (each trade sells one side and buys the other)
    turnover_bps: int  # traded_value over the average daily value
    fees: int  # USD paid in trading fees
    rebalances: int  # rebalance days on which the basket actually traded
    values: tuple[int, ...]  # the index's value at the end of each day
    reference: "BacktestResult | None" = None  # buy-and-hold (equal weight) on the same prices


def load_prices(csv_path: str | Path) -> tuple[list[int], dict[str, list[int]]]:
    """Read `timestamp,SYMBOL,...` rows of decimal USD prices into (timestamps, {symbol: [price18, ...]}).

    Timestamps must be whole seconds and strictly increasing, prices positive decimals (digits beyond 18
    decimals are dropped). Any bad row is a BacktestError naming the file, the line and the column.
    """
    path = Path(csv_path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise BacktestError(f"cannot read prices from {path}: {error.strerror or error}") from None
    with handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        if len(header) < 2 or header[0] != "timestamp":
            raise BacktestError(f"{path}:1: the header must be timestamp followed by one column per symbol")
        symbols = header[1:]
        for column, symbol in enumerate(symbols, start=2):
            if not symbol or symbols.index(symbol) != column - 2:
                raise BacktestError(f"{path}:1: column {column} needs a symbol of its own, got {symbol!r}")
        timestamps: list[int] = []
        prices: dict[str, list[int]] = {symbol: [] for symbol in symbols}
        for row in reader:
            line = reader.line_num
            if not row:
                continue  # blank line
            if len(row) != len(header):
                raise BacktestError(f"{path}:{line}: expected {len(header)} fields, got {len(row)}")
            try:
                timestamp = int(row[0].strip())
            except ValueError:
                raise BacktestError(f"{path}:{line}: timestamp {row[0]!r} is not a whole number of seconds") from None
            if timestamps and timestamp <= timestamps[-1]:
                raise BacktestError(f"{path}:{line}: timestamp {timestamp} is not after {timestamps[-1]}")
            timestamps.append(timestamp)
            for symbol, text in zip(symbols, row[1:]):
                price = parse_price(text)
                if price is None:
                    raise BacktestError(f"{path}:{line}: {symbol} price {text!r} is not a positive decimal number")
                prices[symbol].append(price)
    if not timestamps:
        raise BacktestError(f"{path}: no price rows after the header")
    return timestamps, prices


def parse_price(text: str) -> int | None:
    """A positive decimal string as 18-decimal int, rounded down; None when it is not one."""
    with decimal.localcontext() as context:
        context.prec = 100  # exact for any price a CSV will hold: no rounding before the scale to 18 decimals
        try:
            number = decimal.Decimal(text.strip())
        except decimal.InvalidOperation:
            return None
        if not number.is_finite():
            return None
        price = int(number.scaleb(TOKEN_DECIMALS))
    return price if price > 0 else None


def run_backtest(
    prices: Prices,
    strategy: Strategy,
    *,
    rebalance_every_days: int = 7,
    fee_bps: int = 30,
    initial_usd: int = 1_000_000 * ONE,
    step: int = BPS,
    bounds: Sequence[tuple[int, int]] | None = None,
    initial_targets: Sequence[int] | None = None,
) -> BacktestResult:
    """Simulate `strategy` running an index over `prices`; see the module docstring for the model.

    `bounds` are (min_weight, max_weight) per symbol (default 0 and 10 000); `step` the most a target moves per
    rebalance (`target_step`; the default 10 000 is no limit). A StrategyError from the strategy propagates: a
    backtest that silently skipped decisions would flatter the strategy.
    """
    timestamps, table = prices
    symbols = tuple(table)
    columns = [table[symbol] for symbol in symbols]
    _check_prices(timestamps, symbols, columns)
    if rebalance_every_days < 1:
        raise BacktestError(f"rebalance_every_days must be at least 1, got {rebalance_every_days}")
    if not 0 <= fee_bps < BPS:
        raise BacktestError(f"fee_bps must be in [0, {BPS}), got {fee_bps}")
    if initial_usd <= 0:
        raise BacktestError(f"initial_usd must be positive, got {initial_usd}")
    if bounds is None:
        bounds = [(0, BPS)] * len(symbols)
    if len(bounds) != len(symbols):
        raise BacktestError(f"bounds has {len(bounds)} entries for {len(symbols)} symbols")
    min_weights = tuple(low for low, _ in bounds)
    max_weights = tuple(high for _, high in bounds)
    targets = tuple(initial_targets) if initial_targets is not None else equal_split(len(symbols))
    if len(targets) != len(symbols) or sum(targets) != BPS:
        raise BacktestError(f"initial targets must be one per symbol and sum to {BPS}, got {list(targets)}")
    if any(not low <= target <= high for target, low, high in zip(targets, min_weights, max_weights)):
        raise BacktestError(f"initial targets {list(targets)} are outside the bounds {list(bounds)}")

    # Full (timestamp, price) series once; the strategy sees a prefix ending today, never a later price.
    points = {symbol: list(zip(timestamps, column)) for symbol, column in zip(symbols, columns)}
    amounts = _allocate(initial_usd, targets, [column[0] for column in columns])
    values: list[int] = []
    traded = fees = rebalances = 0
    for day in range(len(timestamps)):
        day_prices = [column[day] for column in columns]
        holdings = [value_of(amount, price, TOKEN_DECIMALS) for amount, price in zip(amounts, day_prices)]
        nav = sum(holdings)
        if day > 0 and day % rebalance_every_days == 0:
            if day + 1 >= strategy.warmup_days:
                data = StrategyInput(
                    tokens=symbols,  # a backtest has no addresses; the symbols stand in for them
                    symbols=symbols,
                    current=targets,
                    min_weights=min_weights,
                    max_weights=max_weights,
                    history={symbol: series[: day + 1] for symbol, series in points.items()},
                    now=timestamps[day],
                )
                desired = strategy.targets(data)
                if desired is not None:
                    targets = clamp_to_policy(targets, desired, min_weights, max_weights, step)
            sold = sum(max(0, have - nav * target // BPS) for have, target in zip(holdings, targets))
            # A keeper sends no trade for rounding dust: below 1 bps of NAV the basket is left as it is.
            if sold * BPS >= nav:
                fee = -(-sold * fee_bps // BPS)  # rounded up: fees never flatter the result
                amounts = _allocate(nav - fee, targets, day_prices)
                nav = sum(value_of(amount, price, TOKEN_DECIMALS) for amount, price in zip(amounts, day_prices))
                traded += sold
                fees += fee
                rebalances += 1
        values.append(nav)
    return _result(strategy.name, initial_usd, values, traded, fees, rebalances, buy_and_hold(prices, initial_usd))


def buy_and_hold(prices: Prices, initial_usd: int = 1_000_000 * ONE) -> BacktestResult:
    """The reference: `initial_usd` split equally on the first day and never traded again."""
    timestamps, table = prices
    symbols = tuple(table)
    columns = [table[symbol] for symbol in symbols]
    _check_prices(timestamps, symbols, columns)
    amounts = _allocate(initial_usd, equal_split(len(symbols)), [column[0] for column in columns])
    values = [
        sum(value_of(amount, column[day], TOKEN_DECIMALS) for amount, column in zip(amounts, columns))
        for day in range(len(timestamps))
    ]
    return _result(REFERENCE, initial_usd, values, 0, 0, 0, None)


def max_drawdown_bps(values: Sequence[int]) -> int:
    """The largest fall from a running peak, in bps of that peak (rounded down); 0 for a series that never falls."""
    peak = worst = 0
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) * BPS // peak)
    return worst


def annualised_volatility_bps(values: Sequence[int]) -> int:
    """The sample standard deviation of daily returns times sqrt(365), in bps; 0 with fewer than 3 values.

    Returns are 18-decimal fixed point; the variance is computed exactly as (n * sum(r^2) - sum(r)^2) / (n(n-1))
    and only the final square root rounds (down).
    """
    returns = [after * ONE // before - ONE for before, after in itertools.pairwise(values) if before > 0]
    n = len(returns)
    if n < 2:
        return 0
    spread = n * sum(r * r for r in returns) - sum(returns) ** 2
    return math.isqrt(DAYS_PER_YEAR * spread // (n * (n - 1))) * BPS // ONE


def format_results(results: Mapping[str, BacktestResult]) -> str:
    """A fixed-width table, one row per strategy in `results` order, then the buy-and-hold reference row."""
    rows = list(results.items())
    references = [result.reference for _, result in rows if result.reference is not None]
    if any(reference.values != references[0].values for reference in references):
        raise BacktestError("these results come from different price histories; compare them one file at a time")
    if REFERENCE not in results:
        if not references:
            raise BacktestError("nothing to compare: no backtest results, so no buy-and-hold reference either")
        rows.append((REFERENCE, references[0]))

    header = (
        "strategy",
        "final value (USD)",
        "return",
        "max drawdown",
        "volatility",
        "turnover",
        "rebalances",
        "fees (USD)",
    )
    cells = [
        (
            name,
            _usd(result.final_value),
            _percent(result.total_return_bps),
            _percent(result.max_drawdown_bps),
            _percent(result.volatility_bps),
            _percent(result.turnover_bps),
            str(result.rebalances),
            _usd(result.fees),
        )
        for name, result in rows
    ]
    widths = [max(len(row[column]) for row in [header, *cells]) for column in range(len(header))]

    def line(row: Sequence[str]) -> str:
        # The name column reads left to right; numbers line up on the right.
        return "  ".join(
            [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in cells)])


def _check_prices(timestamps: Sequence[int], symbols: Sequence[str], columns: Sequence[Sequence[int]]) -> None:
    if not timestamps or not symbols:
        raise BacktestError("a backtest needs at least one day of prices and one symbol")
    for symbol, column in zip(symbols, columns):
        if len(column) != len(timestamps):
            raise BacktestError(f"{symbol} has {len(column)} prices for {len(timestamps)} days")
        if any(price <= 0 for price in column):
            raise BacktestError(f"{symbol} has a price that is not positive")


def _allocate(usd: int, targets: Sequence[int], prices: Sequence[int]) -> list[int]:
    """Token amounts (18 decimals) worth `usd` split by `targets`, rounded down (the index never overspends)."""
    return [usd * target // BPS * 10**TOKEN_DECIMALS // price for target, price in zip(targets, prices)]


def _result(
    name: str,
    initial: int,
    values: list[int],
    traded: int,
    fees: int,
    rebalances: int,
    reference: BacktestResult | None,
) -> BacktestResult:
    average = sum(values) // len(values)
    return BacktestResult(
        strategy=name,
        initial_value=initial,
        final_value=values[-1],
        total_return_bps=(values[-1] - initial) * BPS // initial,
        max_drawdown_bps=max_drawdown_bps(values),
        volatility_bps=annualised_volatility_bps(values),
        traded_value=traded,
        turnover_bps=traded * BPS // average if average else 0,
        fees=fees,
        rebalances=rebalances,
        values=tuple(values),
        reference=reference,
    )


def _usd(value: int) -> str:
    """18-decimal USD as whole dollars with thousands separators, rounded toward zero."""
    dollars = abs(value) // ONE
    return f"{'-' if value < 0 and dollars else ''}{dollars:,}"


def _percent(bps: int) -> str:
    """bps as a percentage with two decimals, from integers only (12345 -> "123.45%")."""
    sign = "-" if bps < 0 else ""
    whole, hundredths = divmod(abs(bps), 100)
    return f"{sign}{whole:,}.{hundredths:02d}%"
