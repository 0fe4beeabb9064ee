"""A local world for the demo, development and tests: mock tokens with Chainlink-style feeds behind an OracleRouter,
a real Uniswap V2 (factory, Router02, WETH9 from the npm build artifacts, never a mock) with pools seeded at the
oracle prices, and the Uniswap V2 adapter; optionally (`with_v3`) a real Uniswap V3 beside it (factory, SwapRouter,
QuoterV2, NonfungiblePositionManager from the npm Hardhat artifacts) with concentrated pools for the same pairs at the
same prices, and the Uniswap V3 adapter. Local chains only: it mints tokens freely and fast-forwards the router's
timelock.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ape import chain, project
from ape.contracts import ContractContainer, ContractInstance

from keeper.abi import V3_FEE
from keeper.npm_artifacts import load_npm_artifact, load_npm_hardhat_artifact

FEED_DECIMALS = 8
ZERO_ADDRESS = "0x" + "00" * 20
MAX_PRICE = 2**128 - 1
# (symbol, decimals, USD price of one whole token): what the demo and the example specs use.
DEMO_ASSETS = [
    ("USDC", 6, 1), ("WETH", 18, 2_000), ("WBTC", 8, 50_000), ("LINK", 18, 15), ("UNI", 18, 8), ("AAVE", 18, 90),
    ("MKR", 18, 1_500), ("SNX", 18, 3), ("CRV", 18, 1), ("COMP", 18, 50), ("LDO", 18, 2), ("ARB", 18, 1),
]  # fmt: skip


V2_CORE = "@uniswap/v2-core"
V2_PERIPHERY = "@uniswap/v2-periphery"
# Router02 computes pair addresses with CREATE2 from this hash of the Pair creation code (UniswapV2Library.pairFor).
PAIR_INIT_CODE_HASH = bytes.fromhex("96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f")
NO_DEADLINE = 2**256 - 1


def _address(token) -> str:
    return getattr(token, "address", token)


@dataclass(frozen=True)
class Uniswap:
    factory: ContractInstance
    router: ContractInstance
    weth: ContractInstance
    pair_container: ContractContainer

    def pair(self, token_a, token_b) -> ContractInstance:
        """The pair of two tokens (either order); fails if the factory has none."""
        address = self.factory.getPair(_address(token_a), _address(token_b))
        assert int(address, 16) != 0, "uniswap fixture: no pair for these tokens"
        return self.pair_container.at(address)

    def add_liquidity(self, token_a, token_b, amount_a: int, amount_b: int, provider) -> ContractInstance:
        """Mint `amount_a`/`amount_b` of two mock tokens (open `mint`) to `provider` and add exactly them.

        Creates the pair if needed. The minimums equal the amounts, so on an existing pool whose
        ratio differs this reverts instead of silently adding something else. Returns the pair.
        """
        for token, amount in ((token_a, amount_a), (token_b, amount_b)):
            token.mint(provider, amount, sender=provider)
            token.approve(self.router, amount, sender=provider)
        self.router.addLiquidity(
            token_a, token_b, amount_a, amount_b, amount_a, amount_b, provider, NO_DEADLINE, sender=provider
        )
        return self.pair(token_a, token_b)


def deploy_uniswap(deployer) -> Uniswap:
    """Factory (fee switch off, `feeToSetter` = deployer), WETH9 and Router02."""
    factory = load_npm_artifact(V2_CORE, "UniswapV2Factory").deploy(deployer, sender=deployer)
    weth = load_npm_artifact(V2_PERIPHERY, "WETH9").deploy(sender=deployer)
    router = load_npm_artifact(V2_PERIPHERY, "UniswapV2Router02").deploy(factory, weth, sender=deployer)
    return Uniswap(factory, router, weth, load_npm_artifact(V2_CORE, "UniswapV2Pair"))



V3_CORE = "@uniswap/v3-core"
V3_PERIPHERY = "@uniswap/v3-periphery"
# The periphery (SwapRouter, QuoterV2, PoolAddress.computeAddress) computes pool addresses with CREATE2 from this hash
# of the UniswapV3Pool creation code (PoolAddress.POOL_INIT_CODE_HASH).
POOL_INIT_CODE_HASH = bytes.fromhex("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54")
# TickMath.MIN_TICK / MAX_TICK, and the factory's tick spacing per fee tier (enabled in its constructor).
MAX_TICK = 887_272
TICK_SPACING = {500: 10, 3_000: 60, 10_000: 200}
# Liquidity sits within this many ticks either side of the pool's price: 1.0001**4_000 is about 1.49, so the range
# spans roughly -33 % to +49 % of the seeded price (concentrated, yet wide enough for the tests' and the demo's moves).
V3_RANGE_TICKS = 4_000


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """Uniswap V3's sqrtPriceX96 for a pool priced at `amount1 / amount0` (token1 per token0, smallest units)."""
    return math.isqrt((amount1 << 192) // amount0)


def price_tick(sqrt_price: int) -> int:
    """The tick at (or just below) a sqrtPriceX96: floor(log_1.0001(price)); float precision is enough to place a
    liquidity range, which need not be exact."""
    return math.floor(2 * math.log(sqrt_price / 2**96) / math.log(1.0001))


def tick_range(tick: int, spacing: int, width: int = V3_RANGE_TICKS) -> tuple[int, int]:
    """`width` ticks either side of `tick`, widened to multiples of `spacing` and clamped to the usable ticks."""
    top = MAX_TICK // spacing * spacing
    lower = max(-top, (tick - width) // spacing * spacing)
    upper = min(top, -((-(tick + width)) // spacing) * spacing)
    return lower, upper


@dataclass(frozen=True)
class UniswapV3:
    factory: ContractInstance
    router: ContractInstance  # SwapRouter
    quoter: ContractInstance  # QuoterV2
    positions: ContractInstance  # NonfungiblePositionManager
    pool_container: ContractContainer

    def pool(self, token_a, token_b, fee: int = V3_FEE) -> ContractInstance:
        """The pool of two tokens (either order) at `fee`; fails if the factory has none."""
        address = self.factory.getPool(_address(token_a), _address(token_b), fee)
        assert int(address, 16) != 0, "uniswap v3 world: no pool for these tokens and fee"
        return self.pool_container.at(address)

    def add_liquidity(self, token_a, token_b, amount_a: int, amount_b: int, provider, fee: int = V3_FEE,
                      width: int = V3_RANGE_TICKS) -> ContractInstance:  # fmt: skip
        """Mint `amount_a`/`amount_b` of two mock tokens (open `mint`) to `provider` and add them as one position
        `width` ticks either side of the pool's price; a new pool is created and priced at `amount_b / amount_a`
        first (as a V2 pool would be). What the range does not need stays with `provider`. Returns the pool."""
        (token0, amount0), (token1, amount1) = sorted(
            [(token_a, amount_a), (token_b, amount_b)], key=lambda pair: int(_address(pair[0]), 16)
        )
        for token, amount in ((token0, amount0), (token1, amount1)):
            token.mint(provider, amount, sender=provider)
            token.approve(self.positions, amount, sender=provider)
        self.positions.createAndInitializePoolIfNecessary(
            token0, token1, fee, sqrt_price_x96(amount0, amount1), sender=provider
        )
        pool = self.pool(token0, token1, fee)
        lower, upper = tick_range(pool.slot0()[1], TICK_SPACING[fee], width)
        self.positions.mint(
            (token0, token1, fee, lower, upper, amount0, amount1, 0, 0, provider, NO_DEADLINE), sender=provider
        )
        return pool

    def quote(self, amount_in: int, path: bytes) -> int:
        """QuoterV2's `quoteExactInput` (an eth_call: the quoter is not a view)."""
        return self.quoter.quoteExactInput.call(path, amount_in)[0]

    def arbitrage(self, token_a, token_b, amount_a: int, amount_b: int, trader, fee: int = V3_FEE) -> None:
        """Trade the pool of two mock tokens to the price `amount_b / amount_a` (as `add_liquidity` prices a new
        pool), as `trader`: sell enough of the cheap side (minted fresh) through the SwapRouter with the target as
        the swap's price limit, so the pool stops exactly there and the router takes only what that needs."""
        (token0, amount0), (token1, amount1) = sorted(
            [(token_a, amount_a), (token_b, amount_b)], key=lambda pair: int(_address(pair[0]), 16)
        )
        target, now = sqrt_price_x96(amount0, amount1), self.pool(token0, token1, fee).slot0()[0]
        if target == now:
            return
        # Price (token1 per token0) too high: sell token0 into the pool to push it down to the target; else token1.
        sell, buy = (token0, token1) if target < now else (token1, token0)
        budget = 2**128  # more than any pool holds: the price limit, not the amount, ends the swap
        sell.mint(trader, budget, sender=trader)
        sell.approve(self.router, budget, sender=trader)
        self.router.exactInputSingle((sell, buy, fee, trader, NO_DEADLINE, budget, 0, target), sender=trader)
        sell.approve(self.router, 0, sender=trader)


def deploy_uniswap_v3(deployer, weth) -> UniswapV3:
    """UniswapV3Factory (owner: deployer; fee tiers 0.05/0.3/1 %), SwapRouter, QuoterV2 and NonfungiblePositionManager
    (no token descriptor: it only serves `tokenURI`) over `weth` (the V2 world's WETH9)."""
    factory = load_npm_hardhat_artifact(V3_CORE, "UniswapV3Factory").deploy(sender=deployer)
    router = load_npm_hardhat_artifact(V3_PERIPHERY, "SwapRouter").deploy(factory, weth, sender=deployer)
    quoter = load_npm_hardhat_artifact(V3_PERIPHERY, "QuoterV2", folder="lens").deploy(factory, weth, sender=deployer)
    positions = load_npm_hardhat_artifact(V3_PERIPHERY, "NonfungiblePositionManager").deploy(
        factory, weth, ZERO_ADDRESS, sender=deployer
    )
    return UniswapV3(factory, router, quoter, positions, load_npm_hardhat_artifact(V3_CORE, "UniswapV3Pool"))


@dataclass
class Market:
    """Priced tokens, their feeds and router, the pools and the adapter; `liquidity` seeds and arbitrages."""

    tokens: list
    feeds: list
    router: object  # OracleRouter
    uniswap: object
    adapter: object
    liquidity: object  # the account that seeded the pools
    decimals: list  # each token's decimals
    uniswap_v3: object = None  # UniswapV3, when deployed (`with_v3`): pools for the same pairs at the same prices
    adapter_v3: object = None  # the UniswapV3Adapter over it

    def usd(self, i: int) -> int:
        """The feed's current USD price of token i, as an integer number of dollars times 1e8."""
        return self.feeds[i].latestRoundData()[1]

    def set_price(self, i: int, usd_e8: int):
        """Publish a new answer (8 decimals) for token i now; the pools are not touched."""
        self.feeds[i].set_answer(usd_e8, sender=self.liquidity)

    def refresh(self):
        """Republish every current answer as a fresh round (after a time jump made them stale)."""
        for feed in self.feeds:
            feed.set_answer(feed.latestRoundData()[1], sender=self.liquidity)

    def arbitrage(self, i: int, j: int):
        """Trade pool (i, j) back to the oracle price ratio, from the liquidity account."""
        pair = self.uniswap.pair(self.tokens[i], self.tokens[j])
        token0 = pair.token0()
        r0, r1, _ = pair.getReserves()
        a, b = (i, j) if token0 == self.tokens[i].address else (j, i)
        # value of one smallest unit of each side, 1e8-scaled dollars / 10**decimals
        pa = self.usd(a) * 10 ** self.decimals[b]
        pb = self.usd(b) * 10 ** self.decimals[a]
        # target: r0 * pa == r1 * pb with r0 * r1 == k  ->  r0 = sqrt(k * pb / pa)
        k = r0 * r1
        target0 = math.isqrt(k * pb // pa)
        if target0 > r0:
            self.swap(self.tokens[a], self.tokens[b], (target0 - r0) * 1000 // 997)
        elif target0 < r0:
            target1 = k // target0
            self.swap(self.tokens[b], self.tokens[a], (target1 - r1) * 1000 // 997)

    def arbitrage_v3(self, i: int, j: int):
        """Trade the Uniswap V3 pool (i, j) to the oracle price ratio exactly, from the liquidity account."""
        # $1M of each side at the feeds' prices: the ratio the pool is moved to.
        amounts = [10**6 * 10**FEED_DECIMALS * 10 ** self.decimals[k] // self.usd(k) for k in (i, j)]
        self.uniswap_v3.arbitrage(self.tokens[i], self.tokens[j], *amounts, self.liquidity)

    def swap(self, token_in, token_out, amount_in: int):
        """Push a pool's price: sell `amount_in` of `token_in` (minted fresh) for `token_out`, as the liquidity
        account."""
        if amount_in <= 0:
            return
        token_in.mint(self.liquidity, amount_in, sender=self.liquidity)
        token_in.approve(self.uniswap.router, amount_in, sender=self.liquidity)
        self.uniswap.router.swapExactTokensForTokens(
            amount_in, 0, [token_in.address, token_out.address], self.liquidity, 2**256 - 1, sender=self.liquidity
        )



def deploy_market(
    deployer, governance, liquidity, assets: Sequence[tuple[str, int, int]], pairs: Sequence[tuple[int, int]],
    pool_depth_usd: int, heartbeat: int, uniswap: Uniswap | None = None, router_delay: int = 86_400,
    with_v3: bool = False,
) -> Market:
    """Tokens and feeds for `assets`, an OracleRouter owned by `governance` with every feed set (proposed together,
    one fast-forward past the delay, then executed), Uniswap V2 pools for `pairs` (indices into `assets`) holding
    `pool_depth_usd` a side at the oracle prices (seeded by `liquidity`), and the adapter. With `with_v3`, Uniswap V3
    beside it (`deploy_uniswap_v3` over the same WETH9) with concentrated pools for the same pairs, holding the same
    amounts at the same prices, and the UniswapV3Adapter."""
    tokens = [project.MockERC20.deploy(f"Mock {s}", s, d, sender=deployer) for s, d, _ in assets]
    feeds = [project.MockAggregator.deploy(FEED_DECIMALS, usd * 10**FEED_DECIMALS, sender=deployer) for *_, usd in assets]
    router = project.OracleRouter.deploy(governance, router_delay, ZERO_ADDRESS, 0, sender=deployer)
    configs = [(token, feed, heartbeat, 0, MAX_PRICE) for token, feed in zip(tokens, feeds, strict=True)]
    for config in configs:
        router.propose_feed(*config, sender=governance)
    chain.pending_timestamp += router_delay
    for config in configs:
        router.execute_feed(*config, sender=governance)
    uniswap = uniswap or deploy_uniswap(deployer)
    for i, j in pairs:
        amounts = [pool_depth_usd * 10 ** assets[k][1] // assets[k][2] for k in (i, j)]
        uniswap.add_liquidity(tokens[i], tokens[j], *amounts, liquidity)
    adapter = project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)
    market = Market(tokens, feeds, router, uniswap, adapter, liquidity, [d for _, d, _ in assets])
    if with_v3:
        market.uniswap_v3, market.adapter_v3 = deploy_v3_pools(deployer, liquidity, uniswap, tokens, assets, pairs,
                                                               pool_depth_usd)  # fmt: skip
    market.refresh()
    return market


def deploy_v3_pools(
    deployer, liquidity, uniswap: Uniswap, tokens: list, assets: Sequence[tuple[str, int, int]],
    pairs: Sequence[tuple[int, int]], pool_depth_usd: int,
) -> tuple[UniswapV3, ContractInstance]:  # fmt: skip
    """Uniswap V3 over `uniswap`'s WETH9, a 0.3 % pool per pair in `pairs` holding `pool_depth_usd` a side at the
    oracle prices of `assets`, concentrated around them (V3_RANGE_TICKS), and the UniswapV3Adapter."""
    uniswap_v3 = deploy_uniswap_v3(deployer, uniswap.weth)
    for i, j in pairs:
        amounts = [pool_depth_usd * 10 ** assets[k][1] // assets[k][2] for k in (i, j)]
        uniswap_v3.add_liquidity(tokens[i], tokens[j], *amounts, liquidity)
    adapter = project.UniswapV3Adapter.deploy(uniswap_v3.router, sender=deployer)
    assert adapter.ROUTER() == uniswap_v3.router.address, "uniswap v3 world: adapter router"
    return uniswap_v3, adapter


def hub_pairs(count: int, hub: int = 0) -> list[tuple[int, int]]:
    """Every asset paired with the hub (e.g. USDC): trades route through it."""
    return [(hub, i) for i in range(count) if i != hub]


def all_pairs(count: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(count) for j in range(i + 1, count)]
