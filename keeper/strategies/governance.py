"""The default: governance sets the targets on chain and the keeper only rebalances toward them."""

from keeper.strategies.base import Strategy, StrategyInput


class GovernanceTargets(Strategy):
    """Read-only: the on-chain targets stand, so this strategy never asks to change them."""

    name = "governance"

    def targets(self, data: StrategyInput) -> None:
        """Always None: leave the targets governance (or the strategist by hand) set."""
