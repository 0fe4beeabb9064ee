"""Target-weight strategies: pure functions of a vault's components, bounds and price history.

`STRATEGIES` maps the name an operator types (`--strategy`, `KEEPER_STRATEGY`) to the class; see each module for
what the strategy does and `base.clamp_to_policy` for what the strategist may actually set per period.
"""

from keeper.strategies.base import (
    Strategy,
    StrategyError,
    StrategyInput,
    apportion,
    clamp_to_policy,
    equal_split,
    normalize,
)
from keeper.strategies.equal_weight import EqualWeight
from keeper.strategies.governance import GovernanceTargets
from keeper.strategies.market_cap import HttpMarketCaps, MarketCapSource, MarketCapTopN, StaticMarketCaps, cap_weights
from keeper.strategies.momentum import Momentum, rsi_bps, trend_up

STRATEGIES: dict[str, type[Strategy]] = {
    GovernanceTargets.name: GovernanceTargets,
    EqualWeight.name: EqualWeight,
    MarketCapTopN.name: MarketCapTopN,
    Momentum.name: Momentum,
}

__all__ = [
    "STRATEGIES",
    "EqualWeight",
    "GovernanceTargets",
    "HttpMarketCaps",
    "MarketCapSource",
    "MarketCapTopN",
    "Momentum",
    "StaticMarketCaps",
    "Strategy",
    "StrategyError",
    "StrategyInput",
    "apportion",
    "cap_weights",
    "clamp_to_policy",
    "equal_split",
    "normalize",
    "rsi_bps",
    "trend_up",
]
