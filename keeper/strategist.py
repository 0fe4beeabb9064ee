"""The strategist's part of a cycle: once a vault's `target_period` has passed, keep its feeds' price history up to
date, ask the configured strategy for targets, clamp them to what the policy lets a strategist set (each target
within its bounds and at most `target_step` from where it is), and hand the executor a `set_targets` order.

Only `decide` is logic (pure); `Strategist.order` does the reading (feed rounds in batches, token symbols once).
"""

from keeper import abi
from keeper.chain import Chain
from keeper.executor import Order
from keeper.history import PriceHistory, Round, join_round_id, split_round_id
from keeper.state import VaultState
from keeper.strategies import Strategy, StrategyInput, clamp_to_policy

MAX_ROUNDS = 500  # rounds fetched per feed per sync: about a year and a half of daily rounds


def decide(state: VaultState, strategy: Strategy, data: StrategyInput, now: int) -> tuple[int, ...] | None:
    """The targets to set now, or None: not due yet, the strategy leaves targets alone, or nothing would change."""
    if now < state.last_target_change + state.limits.target_period:
        return None
    desired = strategy.targets(data)
    if desired is None:
        return None
    clamped = clamp_to_policy(state.targets, desired, state.min_weights, state.max_weights, state.limits.target_step)
    return None if clamped == state.targets else clamped


def targets_order(state: VaultState, targets: tuple[int, ...]) -> Order:
    """`set_targets` on the vault's policy, keyed by its last target change: one change per period, never twice."""
    return Order(
        key=f"targets:{state.policy}:{state.last_target_change}", vault=state.vault, to=state.policy,
        calldata=abi.POLICY_SET_TARGETS.encode(list(targets)), kind="set_targets",
    )  # fmt: skip


class Strategist:
    """Reads what a strategy needs and turns its answer into an order."""

    def __init__(self, chain: Chain, history: PriceHistory, strategy: Strategy):
        self.chain, self.history, self.strategy = chain, history, strategy
        self._symbols: dict[str, str] = {}

    def order(self, state: VaultState, now: int) -> Order | None:
        if now < state.last_target_change + state.limits.target_period:
            return None  # before any RPC: the common case costs nothing
        unknown = [t for t in state.tokens if t not in self._symbols]
        if unknown:
            self._symbols.update(zip(unknown, self.chain.symbols(unknown), strict=True))
        history = {}
        for token, feed in zip(state.tokens, state.feeds, strict=True):
            self.sync(feed)
            history[self._symbols[token]] = self.history.series_usd18(feed, until=now)
        data = StrategyInput(
            tokens=state.tokens, symbols=tuple(self._symbols[t] for t in state.tokens), current=state.targets,
            min_weights=state.min_weights, max_weights=state.max_weights, history=history, now=now,
        )  # fmt: skip
        targets = decide(state, self.strategy, data, now)
        return targets_order(state, targets) if targets is not None else None

    def sync(self, feed: str) -> int:
        """Store the feed's rounds newer than the newest stored one: two round trips (latest round, then a batch)."""
        if self.history.decimals(feed) is None:
            self.history.set_decimals(feed, self.chain.feed_decimals(feed))
        latest = self.chain.latest_round(feed)[0]
        phase, last = split_round_id(latest)
        first = max(1, last - MAX_ROUNDS + 1)
        newest = self.history.latest_round(feed)
        if newest is not None and split_round_id(newest)[0] == phase:
            first = max(first, split_round_id(newest)[1] + 1)
        ids = [join_round_id(phase, r) for r in range(first, last + 1)]
        fetched = {i: r for i, r in zip(ids, self.chain.rounds(feed, ids), strict=True) if r is not None}
        return self.history.sync(feed, latest, lambda i: Round(*fetched[i]) if i in fetched else None, MAX_ROUNDS)
