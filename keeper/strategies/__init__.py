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



def make_strategy(
    name: str, *, stablecoin: str = "USDC", top_n: int = 4, cap_bps: int = 4_000, market_caps: str = ""
) -> Strategy:
    """The strategy an operator named, configured: `market_caps` is a JSON file or an http(s) URL (default: the
    bundled snapshot); a StrategyError names the choices when `name` is unknown."""
    if name not in STRATEGIES:
        raise StrategyError(f"unknown strategy {name!r}; choose one of {', '.join(sorted(STRATEGIES))}")
    if name == MarketCapTopN.name:
        source = None
        if market_caps:
            is_url = market_caps.startswith(("http://", "https://"))
            source = HttpMarketCaps(market_caps) if is_url else StaticMarketCaps(market_caps)
        return MarketCapTopN(top_n=top_n, cap_bps=cap_bps, source=source)
    if name == Momentum.name:
        return Momentum(stablecoin=stablecoin)
    return STRATEGIES[name]()


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
    "make_strategy",
    "normalize",
    "rsi_bps",
    "trend_up",
]
