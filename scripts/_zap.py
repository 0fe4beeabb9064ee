"""Routes for `IndexZap`: one leg per component, in `vault.basket()` order, and the quotes behind them.

The arithmetic (paths, buffers, splits, the oracle slippage) is pure; the node reads are the vault's previews, the
Uniswap V2 factory's `getPair` and Router02's `getAmountsIn`/`getAmountsOut`. A quote is only a plan: the zap's own
checks (each mint leg must buy exactly what the vault will pull; the oracle bound on every leg) decide on chain.

Uniswap V3 is used only when the deployment names a V3 adapter and quoter (`uniswap.v3_adapter`,
`uniswap.v3_quoter`); without them every leg goes through the V2 adapter.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eth_abi import encode

ZERO_ADDRESS = "0x" + "00" * 20
BPS = 10_000
# Exact-output estimates (getAmountsIn) are for this block's reserves; a leg sells this much more, and whatever it
# buys beyond what the vault pulls comes back to the wallet as that component.
DEFAULT_BUFFER_BPS = 30
# The zap's default oracle bound: a 0.3 % pool fee per hop, the buffer above, and room for pools off the oracle.
DEFAULT_MAX_SLIPPAGE_BPS = 200
# Shares probed to split an exact input over the legs (any size works; larger keeps rounding small).
PROBE_SHARES = 10**18


class ZapError(Exception):
    """No route or quote for a zap, in one sentence; nothing was sent."""


@dataclass(frozen=True)
class Route:
    """One leg and what it was planned on: `amount_in` of `path[0]` sold (mint: the input; redeem: the component
    paid out) for `amount_out` of `path[-1]` (mint: what the vault pulls; redeem: the quoted output)."""

    component: str
    adapter: str  # ZERO_ADDRESS when the component is the input/output token itself (no swap)
    path: tuple[str, ...]
    amount_in: int
    amount_out: int

    @property
    def direct(self) -> bool:
        return self.adapter == ZERO_ADDRESS

    def leg(self) -> tuple[str, bytes, int]:
        """The contract's `Leg(adapter, data, amount_in)`."""
        return (self.adapter, b"" if self.direct else v2_data(self.path), self.amount_in)


def v2_data(path: Sequence[str]) -> bytes:
    """The V2 adapter's `data`: `abi_encode(DynArray[address, 4])`."""
    return encode(["address[]"], [list(path)])


def with_buffer(amount: int, buffer_bps: int) -> int:
    """`amount` plus `buffer_bps`, rounded up."""
    return -(-amount * (BPS + buffer_bps) // BPS)


def less_buffer(amount: int, buffer_bps: int) -> int:
    """`amount` minus `buffer_bps`, rounded down (a `min_out` from a quote)."""
    return amount * (BPS - buffer_bps) // BPS


def pick_path(token_in: str, token_out: str, has_pair: Callable[[str, str], bool], hubs: Sequence[str]) -> tuple:
    """The direct pair if it exists, else the first hub paired with both ends; a ZapError when neither."""
    if has_pair(token_in, token_out):
        return (token_in, token_out)
    for hub in hubs:
        if hub not in (token_in, token_out) and has_pair(token_in, hub) and has_pair(hub, token_out):
            return (token_in, hub, token_out)
    raise ZapError(f"no Uniswap V2 route from {token_in} to {token_out} (directly or through {', '.join(hubs)})")


def split(amount: int, costs: Sequence[int]) -> list[int]:
    """`amount` split in proportion to `costs`, floors, with the remainder on the largest cost (sums exactly)."""
    total = sum(costs)
    if total == 0:
        raise ZapError("nothing to split the input over: every component's cost is zero")
    parts = [amount * c // total for c in costs]
    parts[max(range(len(costs)), key=lambda i: costs[i])] += amount - sum(parts)
    return parts


def slippage_bps(value_paid: int, value_got: int) -> int:
    """How much more was paid than got, in basis points of what was got, at oracle prices (negative: a gain)."""
    if value_got == 0:
        return BPS if value_paid else 0
    return (value_paid - value_got) * BPS // value_got


@dataclass
class Venue:
    """The node reads a route needs: Uniswap V2's factory and Router02, and the adapter that wraps them."""

    factory: object  # UniswapV2Factory
    router: object  # UniswapV2Router02
    adapter: str
    hubs: tuple[str, ...] = ()

    def has_pair(self, a: str, b: str) -> bool:
        return int(self.factory.getPair(a, b), 16) != 0

    def path(self, token_in: str, token_out: str) -> tuple:
        return pick_path(token_in, token_out, self.has_pair, self.hubs)

    def cost(self, amount_out: int, path: tuple) -> int:
        """Input needed for exactly `amount_out` at this block's reserves."""
        return self.router.getAmountsIn(amount_out, list(path))[0] if amount_out else 0

    def quote(self, amount_in: int, path: tuple) -> int:
        return self.router.getAmountsOut(amount_in, list(path))[-1] if amount_in else 0


def plan_mint(vault, token_in: str, shares: int, venue: Venue, buffer_bps: int = DEFAULT_BUFFER_BPS) -> list[Route]:
    """Legs for `IndexZap.mint(shares)`: each buys what `preview_mint(shares)` owes, selling its exact-output
    estimate plus `buffer_bps`; a component that is `token_in` is paid unswapped."""
    tokens = list(vault.basket()[0])
    owed = list(vault.preview_mint(shares))
    routes = []
    for token, need in zip(tokens, owed, strict=True):
        if token == token_in:
            routes.append(Route(token, ZERO_ADDRESS, (token,), need, need))
            continue
        path = venue.path(token_in, token)
        routes.append(Route(token, venue.adapter, path, with_buffer(venue.cost(need, path), buffer_bps), need))
    return routes


def plan_mint_exact_in(vault, token_in: str, amount_in: int, venue: Venue) -> list[Route]:
    """Legs for `IndexZap.mint_exact_in(amount_in)`: the input split over the components in proportion to what each
    costs for the same number of shares at this block's reserves. `amount_out` is each leg's quoted purchase."""
    tokens = list(vault.basket()[0])
    owed = list(vault.preview_mint(PROBE_SHARES))
    paths = [(t,) if t == token_in else venue.path(token_in, t) for t in tokens]
    costs = [need if t == token_in else venue.cost(need, p) for t, need, p in zip(tokens, owed, paths, strict=True)]
    routes = []
    for token, path, part in zip(tokens, paths, split(amount_in, costs), strict=True):
        if token == token_in:
            routes.append(Route(token, ZERO_ADDRESS, path, part, part))
        else:
            routes.append(Route(token, venue.adapter, path, part, venue.quote(part, path)))
    return routes


def plan_redeem(vault, token_out: str, shares: int, skip: Sequence[str], venue: Venue) -> list[Route]:
    """Legs for `IndexZap.redeem(shares)`: each sells what `preview_redeem(shares)` pays of its component for
    `token_out` (quoted); skipped components and `token_out` itself get an empty leg."""
    tokens = list(vault.basket()[0])
    paid = list(vault.preview_redeem(shares))
    routes = []
    for token, amount in zip(tokens, paid, strict=True):
        if token in skip:
            routes.append(Route(token, ZERO_ADDRESS, (token,), 0, 0))
        elif token == token_out:
            routes.append(Route(token, ZERO_ADDRESS, (token,), amount, amount))
        else:
            path = venue.path(token, token_out)
            routes.append(Route(token, venue.adapter, path, amount, venue.quote(amount, path)))
    return routes


def legs(routes: Sequence[Route], redeem: bool = False) -> list[tuple[str, bytes, int]]:
    """The `legs` argument; a redeem leg's `amount_in` is ignored by the zap and sent as 0."""
    return [(r.adapter, r.leg()[1], 0 if redeem else r.amount_in) for r in routes]


def spent(routes: Sequence[Route]) -> int:
    """What `mint` will pull of the input: every leg's `amount_in` (a direct leg's is what the vault owes)."""
    return sum(r.amount_in for r in routes)


# --- the node side: what the mint/redeem scripts and the demo show before they send ---------------------------------


def venue_for(deployment) -> Venue:
    """The deployment's Uniswap V2 (factory, router) and V2 adapter; USDC and WETH, when listed, as 2-hop hubs."""
    if not deployment.index_zap:
        raise ZapError("this deployment has no index_zap: deploy it (ape run deploy ... --weth ADDRESS)")
    adapter = deployment.adapters.get("uniswap_v2")
    factory = deployment.uniswap.get("factory")
    if not adapter or not factory:
        raise ZapError("the zap's routes need the deployment's uniswap.factory and adapters.uniswap_v2")
    from keeper.npm_artifacts import load_npm_artifact

    router = load_npm_artifact("@uniswap/v2-periphery", "UniswapV2Router02").at(deployment.uniswap["router"])
    hubs = tuple(deployment.tokens[s] for s in ("USDC", "WETH") if s in deployment.tokens)
    return Venue(load_npm_artifact("@uniswap/v2-core", "UniswapV2Factory").at(factory), router, adapter, hubs)


def route_table(routes: Sequence[Route], symbol_of: Callable[[str], str], show: Callable[[int, str], str],
                worth: Callable[[str, int], int], redeem: bool) -> list[str]:  # fmt: skip
    """One line per leg: the component, its route, what the leg sells and buys, and the oracle value of the
    component amount (what the vault pulls on a mint, what it pays on a redeem)."""
    lines = [f"{'component':10} {'route':22} {'sells':>30} {'buys':>30} {'oracle value':>14}"]
    for r in routes:
        route = "unswapped" if r.direct else " -> ".join(symbol_of(t) for t in r.path)
        if r.direct and r.amount_in == 0 and redeem:
            route = "skipped (forfeited)"
        sold_token, bought_token = (r.component, r.path[-1]) if redeem else (r.path[0], r.component)
        component_amount = r.amount_in if redeem else r.amount_out
        lines.append(
            f"{symbol_of(r.component):10} {route:22} {show(r.amount_in, sold_token):>30} "
            f"{show(r.amount_out, bought_token):>30} {'$' + format(worth(r.component, component_amount) / 10**18, ',.2f'):>14}"
        )
    return lines
