"""Which venue fills a trade: Uniswap V2 (through the UniswapV2Adapter) or Uniswap V3 (through the UniswapV3Adapter).
Pure: quotes in, a choice out, no network.

For each trade the cycle quotes every candidate path on every venue the vault's policy allows, in one batch: V2
through the V2 adapter's `quote` (the router's `getAmountsOut`), V3 through QuoterV2's `quoteExactInput`, both with
`eth_call`. The choice is the highest output; it must still clear the trade's oracle-bound `min_out` (the vault
refuses anything below it anyway). The output is not netted against gas: nothing else in the keeper values gas in
tokens (the planner's `min_trade_value` stands in for it: smaller trades are not planned). The venues differ by a few
thousand gas per swap: through the adapters, a single-pool V3 swap that crosses no initialized tick cost about 8,000
gas less than V2's (benchmarks/adapter_gas.py), and each tick a V3 swap crosses adds to it. On equal outputs the
shorter path wins, then V3, the cheaper of the two in that benchmark.
"""

from dataclasses import dataclass

from keeper import abi
from keeper.state import BPS, Trade, amount_text

V2 = "v2"
V3 = "v3"
VENUES = (V2, V3)
# Ties go to the cheaper venue: a single-pool swap through the V3 adapter costs less gas than through the V2 adapter
# (benchmarks/adapter_gas.py: 154,454 against 162,253 gas).
_GAS_RANK = {V3: 0, V2: 1}


@dataclass(frozen=True)
class Quote:
    """What one venue would pay for a trade's `amount_in` along `path` (on V3, through pools at `fees`, one tier per
    hop); `amount_out` None: no pool on that path (the quote reverted)."""

    venue: str
    path: tuple[str, ...]
    amount_out: int | None
    fees: tuple[int, ...] = ()


def v3_fee_choices(path: tuple[str, ...]) -> list[tuple[int, ...]]:
    """The fee tiers quoted for a V3 path: every tier of `abi.V3_FEES`, the same for each of its pools (mixed tiers
    on a multi-pool path are not tried: 3 quotes per path rather than 3**hops)."""
    return [(fee,) * (len(path) - 1) for fee in abi.V3_FEES]


def encode_route(venue: str, path: tuple[str, ...], fees: tuple[int, ...] = ()) -> bytes:
    """The adapter's `data` for `path` on `venue`: V2's ABI-encoded address array, V3's packed path (pools at `fees`,
    0.3 % when not given)."""
    if venue == V2:
        return abi.encode_path(path)
    if venue == V3:
        return abi.encode_v3_path(path, fees or abi.V3_FEE)
    raise ValueError(f"unknown venue {venue!r} (known: {', '.join(VENUES)})")


def fees_text(fees: tuple[int, ...]) -> str:
    """V3 tiers as a person reads them: `0.05 %`, or `0.05 %/0.3 %` along a path of mixed tiers."""
    return "/".join(f"{fee / 10_000:g} %" for fee in dict.fromkeys(fees))


def best_quote(quotes: list[Quote]) -> Quote | None:
    """The quote with the highest output; on a tie the shorter path, then V3. None when no venue quotes any path."""
    priced = [q for q in quotes if q.amount_out is not None]
    if not priced:
        return None
    return max(priced, key=lambda q: (q.amount_out, -len(q.path), -_GAS_RANK[q.venue]))


def choose_route(trade: Trade, quotes: list[Quote], symbols: dict[str, str], decimals: dict[str, int]) -> Quote | str:
    """The best quote, if it clears the trade's `min_out` (the oracle bound: every pool fee on the path is already in
    a quote); otherwise why no route may be sent, in words."""
    best = best_quote(quotes)
    buy = symbols.get(trade.buy, trade.buy)
    if best is None:
        return f"no pool quotes {symbols.get(trade.sell, trade.sell)} -> {buy} on any allowed route"
    if best.amount_out < trade.min_out:
        route = " -> ".join(symbols.get(t, t) for t in best.path)
        hops = len(best.path) - 1
        fees = f"; {hops} pool fees of 0.3 % take {path_fee_bps(hops)} bps" if hops > 1 and best.venue == V2 else ""
        venue = "" if best.venue == V2 else f"(Uniswap V3{', ' + fees_text(best.fees) if best.fees else ''}) "
        return (
            f"best quote {amount_text(best.amount_out, decimals[trade.buy])} {buy} via {route} {venue}is below min_out "
            f"{amount_text(trade.min_out, decimals[trade.buy])} {buy} (the oracle bound at the keeper's slippage{fees})"
        )
    return best


def path_fee_bps(hops: int) -> int:
    """What `hops` 0.3 % pool fees (V2's only tier) take of a trade, in bps, rounded up."""
    kept = 997**hops
    return -(-(1000**hops - kept) * BPS // 1000**hops)


def quotes_text(trade: Trade, quotes: list[Quote], symbols: dict[str, str], decimals: dict[str, int]) -> str:
    """Both venues' best quotes for a trade, as `keeper plan` prints them: `v2 4,970.1 USDC, v3 4,985.2 USDC (WETH ->
    USDC)`; a venue not quoted (no adapter configured, or the vault does not allow it), or without a pool, says so."""
    buy = symbols.get(trade.buy, trade.buy)
    parts = []
    for venue in VENUES:
        asked = [q for q in quotes if q.venue == venue]
        best = best_quote(asked)
        if not asked:
            parts.append(f"{venue} not quoted")
        elif best is None:
            parts.append(f"{venue} no pool")
        else:
            route = " -> ".join(symbols.get(t, t[:8]) for t in best.path)
            tier = f" ({fees_text(best.fees)})" if best.fees else ""
            parts.append(f"{venue} {amount_text(best.amount_out, decimals[trade.buy])} {buy} via {route}{tier}")
    return ", ".join(parts)
