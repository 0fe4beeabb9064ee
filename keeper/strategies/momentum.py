"""Momentum: hold the components whose price trend is up, park the rest in the stablecoin.

Every risky component (each one but the stablecoin) owns an equal slot of the index. The signals come from its
daily closes (UTC midnights, see `keeper.history.daily_closes`):

- trend: up when the `fast`-day simple moving average is above the `slow`-day one;
- RSI (Wilder, `rsi_period` days, in bps): it only gates *buying*. An up-trending component fills its slot only
  while its RSI is within [rsi_low, rsi_high] percent; outside (overbought: chasing a spike; oversold: a falling
  knife whose averages still say up) it keeps at most its current weight. Selling is never gated, so a crash
  always ends in the stablecoin.

A component trending up gets its slot (equal weights, not its current proportions: simpler to reason about, and
the rotation back after a crash lands on the same weights as before it). A component trending down gets 0 and
its slot goes to the stablecoin. When every risky component trends down the stablecoin gets `risk_off_bps` and
the rest, if any, is split equally among the risky ones; when a trend turns up again its slot rotates back.

Too little history is a StrategyError ("momentum needs N days of prices for SYMBOL, has M"), not a silent None:
the operator should know the keeper is not following the strategy yet. `warmup_days` says how many days it needs.
"""

import itertools
from collections.abc import Sequence

from keeper.history import daily_closes
from keeper.state import BPS
from keeper.strategies.base import Strategy, StrategyError, StrategyInput, equal_split


def trend_up(closes: Sequence[int], fast: int, slow: int) -> bool:
    """Whether the mean of the last `fast` closes is above the mean of the last `slow` ones.

    Compared as sum_fast * slow > sum_slow * fast, so the integer test is exact (no rounded averages).
    """
    if len(closes) < slow or not 0 < fast <= slow:
        raise StrategyError(f"a {fast}/{slow}-day trend needs {slow} closes, has {len(closes)}")
    return sum(closes[-fast:]) * slow > sum(closes[-slow:]) * fast


def rsi_bps(closes: Sequence[int], period: int) -> int:
    """Wilder's relative strength index of `closes`, in bps (0 to 10 000); 5 000 for a flat series.

    The first average gain and loss are the plain means of the first `period` changes; each later change is
    smoothed in as (average * (period - 1) + change) / period. Integer division rounds down, which on 18-decimal
    prices is far below a bps.
    """
    if period < 1 or len(closes) < period + 1:
        raise StrategyError(f"a {period}-day RSI needs {period + 1} closes, has {len(closes)}")
    changes = [after - before for before, after in itertools.pairwise(closes)]
    gain = sum(max(change, 0) for change in changes[:period]) // period
    loss = sum(max(-change, 0) for change in changes[:period]) // period
    for change in changes[period:]:
        gain = (gain * (period - 1) + max(change, 0)) // period
        loss = (loss * (period - 1) + max(-change, 0)) // period
    if gain + loss == 0:
        return BPS // 2
    return gain * BPS // (gain + loss)


class Momentum(Strategy):
    """Trend-following rotation between the risky components and `stablecoin` (a symbol of the basket).

    `rsi_high` and `rsi_low` are in percent, as RSI levels are usually quoted (70 / 30); `risk_off_bps` is the
    stablecoin's weight when every trend is down.
    """

    name = "momentum"

    def __init__(
        self,
        stablecoin: str,
        fast: int = 20,
        slow: int = 50,
        rsi_period: int = 14,
        rsi_high: int = 70,
        rsi_low: int = 30,
        risk_off_bps: int = BPS,
    ):
        if not 0 < fast < slow:
            raise StrategyError(f"the fast average must be shorter than the slow one, got {fast} and {slow} days")
        if rsi_period < 1:
            raise StrategyError(f"the RSI period must be at least 1 day, got {rsi_period}")
        if not 0 <= rsi_low <= rsi_high <= 100:
            raise StrategyError(f"RSI levels must satisfy 0 <= low <= high <= 100, got {rsi_low} and {rsi_high}")
        if not 0 <= risk_off_bps <= BPS:
            raise StrategyError(f"risk_off_bps must be in [0, {BPS}], got {risk_off_bps}")
        self.stablecoin = stablecoin
        self.fast = fast
        self.slow = slow
        self.rsi_period = rsi_period
        self.rsi_high = rsi_high
        self.rsi_low = rsi_low
        self.risk_off_bps = risk_off_bps
        # The slow average needs `slow` closes, the RSI one more than its period.
        self.warmup_days = max(slow, rsi_period + 1)

    def closes(self, data: StrategyInput, symbol: str) -> list[int]:
        """The `warmup_days` daily closes of `symbol` up to `data.now`, or a StrategyError saying how many exist."""
        closes = daily_closes(data.history.get(symbol, ()), self.warmup_days, data.now)
        if len(closes) < self.warmup_days:
            raise StrategyError(f"momentum needs {self.warmup_days} days of prices for {symbol}, has {len(closes)}")
        return closes

    def targets(self, data: StrategyInput) -> tuple[int, ...]:
        if self.stablecoin not in data.symbols:
            raise StrategyError(f"the stablecoin {self.stablecoin} is not a component of this vault")
        stable = data.symbols.index(self.stablecoin)
        risky = [i for i in range(len(data.symbols)) if i != stable]
        desired = [0] * len(data.symbols)
        if not risky:
            desired[stable] = BPS
            return tuple(desired)

        ups = {}
        buyable = {}
        for i in risky:
            closes = self.closes(data, data.symbols[i])
            ups[i] = trend_up(closes, self.fast, self.slow)
            buyable[i] = self.rsi_low * 100 <= rsi_bps(closes, self.rsi_period) <= self.rsi_high * 100

        if not any(ups.values()):
            # Risk off: the stablecoin takes risk_off_bps, any floor left is shared equally by the risky ones.
            for i, floor in zip(risky, equal_split(len(risky), BPS - self.risk_off_bps)):
                desired[i] = floor
        else:
            for i, slot in zip(risky, equal_split(len(risky))):
                if ups[i]:
                    desired[i] = slot if buyable[i] else min(slot, data.current[i])
        desired[stable] = BPS - sum(desired)
        return tuple(desired)
