"""Equal weight: every component gets the same share, whatever the market does."""

from keeper.strategies.base import Strategy, StrategyInput, equal_split


class EqualWeight(Strategy):
    """10 000 / n bps each; the bps that do not divide evenly go one each to the first components."""

    name = "equal-weight"

    def targets(self, data: StrategyInput) -> tuple[int, ...]:
        return equal_split(len(data.tokens))
