"""What every target-weight strategy takes and returns, and the two integer helpers they share.

A strategy is pure: it reads a `StrategyInput` (the vault's components, current targets, bounds, price history and
the time) and returns the weights it would like, in bps summing to 10 000, or None to leave the targets alone.
What it may actually set this period is `clamp_to_policy(...)` of that wish: `RebalancePolicy.set_targets` lets the
strategist move each target by at most `target_step` bps, within [min_weight, max_weight], summing exactly 10 000.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from keeper.errors import KeeperError
from keeper.state import BPS


class StrategyError(KeeperError):
    """A strategy cannot produce targets from what it was given; the message says what is missing or wrong."""


@dataclass(frozen=True)
class StrategyInput:
    """One vault's components as a strategy sees them, all tuples in the vault's `basket()` order.

    `history` maps a symbol to its (timestamp, price) points, oldest first, prices in 18-decimal USD. `now` is the
    block (or backtest day) time: strategies never read the clock themselves.
    """

    tokens: tuple[str, ...]
    symbols: tuple[str, ...]
    current: tuple[int, ...]
    min_weights: tuple[int, ...]
    max_weights: tuple[int, ...]
    history: Mapping[str, Sequence[tuple[int, int]]]
    now: int

    def __post_init__(self) -> None:
        n = len(self.tokens)
        if n == 0:
            raise StrategyError("a strategy needs at least one component")
        for field in ("symbols", "current", "min_weights", "max_weights"):
            if len(getattr(self, field)) != n:
                raise StrategyError(f"{field} has {len(getattr(self, field))} entries for {n} components")


class Strategy(ABC):
    """Turns a `StrategyInput` into desired targets (bps summing to 10 000), or None to keep the current ones."""

    name: str = ""
    # Days of daily closes the strategy needs before it can decide; a backtest leaves targets alone until then.
    warmup_days: int = 0

    @abstractmethod
    def targets(self, data: StrategyInput) -> tuple[int, ...] | None:
        """The weights this strategy wants, one per component in bps summing to 10 000; None = leave them alone."""


def normalize(scores: Sequence[int]) -> tuple[int, ...]:
    """Non-negative integer `scores` as bps summing to exactly 10 000 (largest remainder method).

    Each weight is its exact share rounded down; the bps left over go one each to the largest remainders, ties to
    the lower index, so the result is deterministic and never more than 1 bps from the exact share.
    """
    return apportion(scores, BPS)


def apportion(scores: Sequence[int], total: int) -> tuple[int, ...]:
    """Split the integer `total` in proportion to non-negative `scores` (largest remainder method)."""
    if any(score < 0 for score in scores):
        raise StrategyError(f"scores must not be negative, got {list(scores)}")
    weight = sum(scores)
    if weight == 0:
        raise StrategyError("cannot split weights by scores that are all zero (or by no scores at all)")
    shares = [score * total // weight for score in scores]
    remainders = [score * total % weight for score in scores]
    left = total - sum(shares)
    # Largest remainder first; among equal remainders the lower index, so results never depend on sort stability.
    for i in sorted(range(len(scores)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return tuple(shares)


def equal_split(n: int, total: int = BPS) -> tuple[int, ...]:
    """`total` split into `n` equal integer parts, the remainder one each to the first ones."""
    if n <= 0:
        raise StrategyError("cannot split weights among zero components")
    base, extra = divmod(total, n)
    return tuple(base + (1 if i < extra else 0) for i in range(n))


def clamp_to_policy(
    current: Sequence[int],
    desired: Sequence[int],
    min_weights: Sequence[int],
    max_weights: Sequence[int],
    step: int,
) -> tuple[int, ...]:
    """The targets closest to `desired` that `set_targets` accepts from the strategist this period.

    Each target must lie in its box [max(min, current - step), min(max, current + step)] and all must sum to
    10 000. The result is the Euclidean projection of `desired` onto that set: every component is
    clip(desired + shift) with one common integer `shift`, and the last few bps (fewer than the components that
    can still move) go one each to the lowest-index components with room. So a desired set that is already
    achievable comes back unchanged, and a shortfall is spread evenly rather than dumped on one component.
    """
    n = len(current)
    if not (len(desired) == len(min_weights) == len(max_weights) == n):
        raise StrategyError(
            f"current, desired, min and max weights must have one entry per component; got {n}, {len(desired)}, "
            f"{len(min_weights)} and {len(max_weights)}"
        )
    if step < 0:
        raise StrategyError(f"the target step must not be negative, got {step}")
    lows = [max(lo, cur - step) for lo, cur in zip(min_weights, current)]
    highs = [min(hi, cur + step) for hi, cur in zip(max_weights, current)]
    for i, (lo, hi) in enumerate(zip(lows, highs)):
        if lo > hi:
            raise StrategyError(
                f"component {i} cannot move: its target {current[i]} is more than the step {step} away from its "
                f"bounds [{min_weights[i]}, {max_weights[i]}]"
            )
    if sum(lows) > BPS or sum(highs) < BPS:
        raise StrategyError(
            f"no targets summing to {BPS} fit the bounds and step this period: the lowest allowed sum is "
            f"{sum(lows)} and the highest {sum(highs)}"
        )

    def placed(shift: int) -> list[int]:
        return [min(hi, max(lo, want + shift)) for want, lo, hi in zip(desired, lows, highs)]

    # sum(placed(shift)) never decreases as shift grows; find the largest shift whose sum is still <= 10 000.
    # At `low` every component sits on its low end, at `high` on its high end, which bracket 10 000.
    reach = BPS + max(abs(want) for want in desired)
    low, high = -reach, reach
    while low < high:
        middle = (low + high + 1) // 2
        if sum(placed(middle)) <= BPS:
            low = middle
        else:
            high = middle - 1
    result = placed(low)
    left = BPS - sum(result)
    # `left` is smaller than the number of components that would still grow at shift + 1: give them 1 bps each.
    for i in range(n):
        if left == 0:
            break
        if result[i] < highs[i] and desired[i] + low >= lows[i]:
            result[i] += 1
            left -= 1
    return tuple(result)
