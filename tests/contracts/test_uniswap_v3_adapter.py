"""UniswapV3Adapter against the real Uniswap V3 factory, pool, SwapRouter, QuoterV2 and NonfungiblePositionManager
bytecode from npm (@uniswap/v3-core@1.0.1, @uniswap/v3-periphery@1.4.4); the same cases as the V2 adapter's tests,
and a real vault rebalancing through it under its policy's hop rule.

Not reached here: "uniswap_v3_adapter: insufficient output" (the output token taking a fee on its way to the caller).
A V3 pool cannot even be seeded with a fee-on-transfer token (its `mint` checks its own balance delta and reverts
"M0"/"M1"), so the router's own "Too little received" is the floor every real pool reaches first; the check stays as
the same balance-delta guard the V2 adapter's test exercises.
"""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from fixtures.market import POOL_DEPTH_USD, SUPPLY, UNITS, min_out_bound
from fixtures.uniswap_v3 import POOL_INIT_CODE_HASH
from fixtures.vaults import DAY, Rebalancing

from keeper.abi import encode_v3_path
from keeper.npm_artifacts import NpmArtifactError, load_npm_hardhat_artifact
from scripts._world import NO_DEADLINE, price_tick, sqrt_price_x96, tick_range

# 1,000,000 whole tokens a side, concentrated within about -33 % / +49 % of the price (scripts/_world.py).
DEPTH = 1_000_000
TRADE = 1_000
FEE = 3_000  # the 0.3 % tier


def v3_path(*tokens, fee: int = FEE) -> bytes:
    """The adapter's `data`: the packed V3 path, every pool at `fee`."""
    return encode_v3_path(tuple(getattr(t, "address", t) for t in tokens), fee)


@pytest.fixture(scope="module")
def adapter(project, deployer, uniswap_v3):
    return project.UniswapV3Adapter.deploy(uniswap_v3.router, sender=deployer)


@pytest.fixture(scope="module")
def liquidity_provider(accounts):
    return accounts[7]


def _token(decimals: int, symbol: str):
    @pytest.fixture(scope="module")
    def token(create_token):
        return create_token(decimals, symbol)

    return token


aaa = _token(18, "AAA")
bbb = _token(18, "BBB")
hub = _token(18, "HUB")  # the middle token of 2-hop paths (AAA -> HUB -> CCC); AAA and CCC share no pool
ccc = _token(18, "CCC")
usdc = _token(6, "USDC")


@pytest.fixture(scope="module")
def pools(uniswap_v3, liquidity_provider, aaa, bbb, hub, ccc, usdc):
    """AAA/BBB at 1:2, AAA/HUB at 1:1, HUB/CCC at 1:3, AAA/USDC at 1 AAA = 2 USDC, all at the 0.3 % tier."""
    e18, e6 = 10**18, 10**6
    uniswap_v3.add_liquidity(aaa, bbb, DEPTH * e18, 2 * DEPTH * e18, liquidity_provider)
    uniswap_v3.add_liquidity(aaa, hub, DEPTH * e18, DEPTH * e18, liquidity_provider)
    uniswap_v3.add_liquidity(hub, ccc, DEPTH * e18, 3 * DEPTH * e18, liquidity_provider)
    uniswap_v3.add_liquidity(aaa, usdc, DEPTH * e18, 2 * DEPTH * e6, liquidity_provider)


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(adapter, pools, alice, bob):
    """Create every module and session fixture before ape's per-test snapshots, so none is re-based."""


@pytest.fixture
def approve_and_swap(adapter, pools):
    """`caller` (standing in for the vault) mints `amount_in` of `path[0]`, approves the adapter and swaps."""

    def approve_and_swap(caller, amount_in, min_out, *path):
        path[0].mint(caller, amount_in, sender=caller)
        path[0].approve(adapter, amount_in, sender=caller)
        return adapter.swap(path[0], path[-1], amount_in, min_out, v3_path(*path), sender=caller)

    return approve_and_swap


def assert_adapter_is_empty(adapter, uniswap_v3, *tokens):
    for token in tokens:
        assert token.balanceOf(adapter) == 0
        assert token.allowance(adapter, uniswap_v3.router) == 0


def push_price(uniswap_v3, trader, amount_in, *path):
    """`trader` sells `amount_in` (minted fresh) along `path` through the SwapRouter directly: a front-run."""
    path[0].mint(trader, amount_in, sender=trader)
    path[0].approve(uniswap_v3.router, amount_in, sender=trader)
    uniswap_v3.router.exactInput((v3_path(*path), trader, NO_DEADLINE, amount_in, 0), sender=trader)


# --- the real deployment -------------------------------------------------------------------------------------------


def test_pool_init_code__npm_bytecode__matches_periphery_hash(uniswap_v3, aaa, bbb, pools):
    pool_creation_code = bytes.fromhex(uniswap_v3.pool_container.contract_type.deployment_bytecode.bytecode[2:])
    assert keccak(pool_creation_code) == POOL_INIT_CODE_HASH
    # SwapRouter has the hash baked into PoolAddress.computeAddress ...
    assert POOL_INIT_CODE_HASH in bytes(ape.chain.provider.get_code(uniswap_v3.router.address))
    assert POOL_INIT_CODE_HASH in bytes(ape.chain.provider.get_code(uniswap_v3.quoter.address))
    # ... and the factory deploys pools at exactly the CREATE2 address it computes.
    token0, token1 = sorted([aaa.address, bbb.address], key=lambda a: int(a, 16))
    salt = keccak(encode(["address", "address", "uint24"], [token0, token1, FEE]))  # PoolAddress: abi.encode
    create2 = keccak(b"\xff" + bytes.fromhex(uniswap_v3.factory.address[2:]) + salt + POOL_INIT_CODE_HASH)[12:]
    assert uniswap_v3.factory.getPool(aaa, bbb, FEE) == to_checksum_address(create2)
    assert uniswap_v3.router.factory() == uniswap_v3.factory.address


def test_add_liquidity__new_pool__priced_at_the_amounts_ratio_with_liquidity_in_range(uniswap_v3, aaa, bbb, pools):
    pool = uniswap_v3.pool(aaa, bbb)
    sqrt_price, tick = pool.slot0()[:2]
    # AAA/BBB at 1:2 (both 18 decimals): price token1/token0 is 2 or 1/2, tick about +-6,931.
    price = (sqrt_price / 2**96) ** 2
    assert abs(price - (2 if pool.token0() == aaa.address else 0.5)) < 1e-9
    assert 6_900 < abs(tick) < 6_940
    assert pool.liquidity() > 0


@pytest.mark.parametrize("tick, spacing, width, expected", [
    (-6_932, 60, 4_000, (-10_980, -2_880)),  # widened outward to multiples of the spacing
    (0, 10, 100, (-100, 100)),
    (887_000, 60, 4_000, (882_960, 887_220)),  # clamped to the highest usable tick
    (-887_000, 200, 4_000, (-887_200, -883_000)),
])  # fmt: skip
def test_tick_range__around_a_tick__aligned_to_spacing_and_clamped(tick, spacing, width, expected):
    assert tick_range(tick, spacing, width) == expected


def test_sqrt_price_x96__one_to_four__two_times_q96():
    assert sqrt_price_x96(10**18, 4 * 10**18) == 2 * 2**96
    assert price_tick(2 * 2**96) == 13_863  # log_1.0001(4) = 13,863.6


def test_load_npm_hardhat_artifact__package_missing__raises_with_setup_hint(tmp_path):
    with pytest.raises(NpmArtifactError, match=r"run `make setup`: node_modules/@uniswap/v3-core is missing"):
        load_npm_hardhat_artifact("@uniswap/v3-core", "UniswapV3Pool", root=tmp_path)


def test_load_npm_hardhat_artifact__contract_missing__raises_naming_the_file():
    with pytest.raises(NpmArtifactError, match=r"artifacts/contracts/NoSuchPool.sol/NoSuchPool.json is missing"):
        load_npm_hardhat_artifact("@uniswap/v3-core", "NoSuchPool")


# --- deployment ----------------------------------------------------------------------------------------------------


def test_init__router__is_immutable_router(adapter, uniswap_v3):
    assert adapter.ROUTER() == uniswap_v3.router.address


def test_init__router_not_a_contract__reverts(project, deployer, alice):
    with ape.reverts("uniswap_v3_adapter: router is not a contract"):
        project.UniswapV3Adapter.deploy(alice, sender=deployer)


# --- swap: happy paths ---------------------------------------------------------------------------------------------


def test_swap__single_pool__caller_receives_quoter_quote(adapter, uniswap_v3, approve_and_swap, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    expected = uniswap_v3.quote(amount_in, v3_path(aaa, bbb))
    # 1 AAA = 2 BBB less the 0.3 % fee and a little price impact.
    assert 2 * amount_in * 9_965 // 10_000 < expected < 2 * amount_in * 997 // 1000

    tx = approve_and_swap(alice, amount_in, expected, aaa, bbb)

    assert bbb.balanceOf(alice) == expected
    assert aaa.balanceOf(alice) == 0
    assert tx.events.filter(adapter.Swapped) == [
        adapter.Swapped(
            caller=alice.address, token_in=aaa.address, token_out=bbb.address, amount_in=amount_in, amount_out=expected
        )
    ]
    assert_adapter_is_empty(adapter, uniswap_v3, aaa, bbb)


def test_swap__two_pool_path__caller_receives_quoter_quote(adapter, uniswap_v3, approve_and_swap, alice, aaa, hub, ccc):
    amount_in = TRADE * 10**18
    expected = uniswap_v3.quote(amount_in, v3_path(aaa, hub, ccc))
    # 1 AAA = 1 HUB = 3 CCC less two 0.3 % fees.
    assert 3 * amount_in * 993 // 1000 < expected < 3 * amount_in * 994 // 1000

    tx = approve_and_swap(alice, amount_in, expected, aaa, hub, ccc)

    assert ccc.balanceOf(alice) == expected
    assert hub.balanceOf(alice) == 0
    assert tx.events.filter(adapter.Swapped)[0].amount_out == expected
    assert_adapter_is_empty(adapter, uniswap_v3, aaa, hub, ccc)
    assert hub.balanceOf(uniswap_v3.router) == 0


def test_swap__return_value__equals_amount_received(adapter, uniswap_v3, pools, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    # A call (not a transaction) returns the function's result.
    returned = adapter.swap.call(aaa, bbb, amount_in, 0, v3_path(aaa, bbb), sender=alice)
    assert returned == uniswap_v3.quote(amount_in, v3_path(aaa, bbb))


@pytest.mark.parametrize("direction", ["18_to_6", "6_to_18"])
def test_swap__six_and_eighteen_decimals__caller_receives_quoter_quote(
    adapter, uniswap_v3, approve_and_swap, alice, aaa, usdc, direction
):
    token_in, token_out = (aaa, usdc) if direction == "18_to_6" else (usdc, aaa)
    amount_in = TRADE * 10 ** token_in.decimals()
    expected = uniswap_v3.quote(amount_in, v3_path(token_in, token_out))
    # At 1 AAA = 2 USDC, less the 0.3 % fee and a little price impact, in the output's own decimals.
    ideal = 2 * TRADE * 10**6 if direction == "18_to_6" else TRADE * 10**18 // 2
    assert ideal * 9_965 // 10_000 < expected < ideal * 997 // 1000

    approve_and_swap(alice, amount_in, expected, token_in, token_out)

    assert token_out.balanceOf(alice) == expected
    assert_adapter_is_empty(adapter, uniswap_v3, token_in, token_out)


def test_swap__no_return_tokens__caller_receives_quoter_quote(
    project, adapter, uniswap_v3, deployer, liquidity_provider, alice
):
    no_return_in = project.NoReturnToken.deploy("No Return In", "NRI", 18, sender=deployer)
    no_return_out = project.NoReturnToken.deploy("No Return Out", "NRO", 6, sender=deployer)
    uniswap_v3.add_liquidity(no_return_in, no_return_out, DEPTH * 10**18, DEPTH * 10**6, liquidity_provider)
    amount_in = TRADE * 10**18
    data = v3_path(no_return_in, no_return_out)
    expected = uniswap_v3.quote(amount_in, data)
    assert expected > 0
    no_return_in.mint(alice, amount_in, sender=alice)
    no_return_in.approve(adapter, amount_in, sender=alice)

    adapter.swap(no_return_in, no_return_out, amount_in, expected, data, sender=alice)

    assert no_return_out.balanceOf(alice) == expected
    assert_adapter_is_empty(adapter, uniswap_v3, no_return_in, no_return_out)


def test_swap__tokens_donated_to_adapter__stay_untouched(adapter, uniswap_v3, approve_and_swap, alice, bob, aaa, bbb):
    aaa.mint(adapter, 5, sender=bob)
    amount_in = TRADE * 10**18
    expected = uniswap_v3.quote(amount_in, v3_path(aaa, bbb))

    approve_and_swap(alice, amount_in, expected, aaa, bbb)

    assert bbb.balanceOf(alice) == expected
    assert aaa.balanceOf(adapter) == 5
    assert aaa.allowance(adapter, uniswap_v3.router) == 0


# --- swap: price protection ----------------------------------------------------------------------------------------


def test_swap__min_out_equals_quote__succeeds(uniswap_v3, approve_and_swap, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    quote = uniswap_v3.quote(amount_in, v3_path(aaa, bbb))
    approve_and_swap(alice, amount_in, quote, aaa, bbb)
    assert bbb.balanceOf(alice) == quote


@pytest.mark.parametrize("hops", [1, 2])
def test_swap__min_out_above_quote__reverts_with_router_reason(
    adapter, uniswap_v3, approve_and_swap, alice, aaa, bbb, hub, ccc, hops
):
    path = (aaa, bbb) if hops == 1 else (aaa, hub, ccc)
    amount_in = TRADE * 10**18
    quote = uniswap_v3.quote(amount_in, v3_path(*path))
    with ape.reverts("Too little received"):
        approve_and_swap(alice, amount_in, quote + 1, *path)
    assert_adapter_is_empty(adapter, uniswap_v3, *path)


def test_swap__price_pushed_before_swap__reverts(adapter, uniswap_v3, approve_and_swap, alice, bob, aaa, bbb):
    """A sandwich: bob buys BBB ahead of alice in the same pool; alice's floor, set before the push, stops her swap.
    Without it she would lose what the twin test below measures (~4 % of the trade) to bob's back-run."""
    amount_in = TRADE * 10**18
    min_out = uniswap_v3.quote(amount_in, v3_path(aaa, bbb)) * 995 // 1000  # 0.5 % slippage allowed
    push_price(uniswap_v3, bob, 160 * TRADE * 10**18, aaa, bbb)  # moves the concentrated AAA/BBB price ~4 %
    assert uniswap_v3.quote(amount_in, v3_path(aaa, bbb)) < min_out * 97 // 100

    with ape.reverts("Too little received"):
        approve_and_swap(alice, amount_in, min_out, aaa, bbb)
    assert bbb.balanceOf(alice) == 0


def test_swap__price_pushed_before_swap_with_zero_min_out__caller_loses_value(
    uniswap_v3, approve_and_swap, alice, bob, aaa, bbb
):
    """The twin of the sandwich test: without a floor the same swap fills ~4 % worse."""
    amount_in = TRADE * 10**18
    fair = uniswap_v3.quote(amount_in, v3_path(aaa, bbb))
    push_price(uniswap_v3, bob, 160 * TRADE * 10**18, aaa, bbb)

    approve_and_swap(alice, amount_in, 0, aaa, bbb)

    assert bbb.balanceOf(alice) < fair * 97 // 100


def test_swap__pool_runs_out_of_liquidity__reverts_input_not_fully_spent(
    adapter, uniswap_v3, liquidity_provider, alice, create_token
):
    """A pool takes less than it is offered once the price leaves its last range: the rest (and an allowance) would
    stay in the adapter. It reverts instead, so nothing is left behind and the caller keeps the input."""
    thin_in, thin_out = create_token(18, "THI"), create_token(18, "THO")
    uniswap_v3.add_liquidity(thin_in, thin_out, 10 * 10**18, 10 * 10**18, liquidity_provider, width=120)
    amount_in = 1_000 * 10**18
    thin_in.mint(alice, amount_in, sender=alice)
    thin_in.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v3_adapter: input not fully spent"):
        adapter.swap(thin_in, thin_out, amount_in, 0, v3_path(thin_in, thin_out), sender=alice)
    assert_adapter_is_empty(adapter, uniswap_v3, thin_in, thin_out)
    # Why the check exists: the router alone takes only part of the input and reports a fill.
    thin_in.approve(uniswap_v3.router, amount_in, sender=alice)
    uniswap_v3.router.exactInput((v3_path(thin_in, thin_out), alice, NO_DEADLINE, amount_in, 0), sender=alice)
    assert 0 < amount_in - thin_in.balanceOf(alice) < 100 * 10**18
    assert thin_in.allowance(alice, uniswap_v3.router) > 0


def test_swap__pool_has_enough_liquidity__twin_of_the_thin_pool_spends_everything(
    adapter, uniswap_v3, liquidity_provider, alice, create_token
):
    thin_in, thin_out = create_token(18, "THI"), create_token(18, "THO")
    uniswap_v3.add_liquidity(thin_in, thin_out, 10 * 10**18, 10 * 10**18, liquidity_provider, width=120)
    amount_in = 10**17  # well inside the range
    thin_in.mint(alice, amount_in, sender=alice)
    thin_in.approve(adapter, amount_in, sender=alice)
    adapter.swap(thin_in, thin_out, amount_in, 0, v3_path(thin_in, thin_out), sender=alice)
    assert thin_in.balanceOf(alice) == 0
    assert thin_out.balanceOf(alice) > 0
    assert_adapter_is_empty(adapter, uniswap_v3, thin_in, thin_out)


# --- swap: input checks --------------------------------------------------------------------------------------------

BAD_PATHS = ["first_is_not_token_in", "last_is_not_token_out", "single_token", "empty", "reversed", "truncated_fee",
             "trailing_byte"]  # fmt: skip


def bad_path(case, aaa, bbb, hub) -> bytes:
    return {
        "first_is_not_token_in": v3_path(hub, bbb),
        "last_is_not_token_out": v3_path(aaa, hub),
        "single_token": bytes.fromhex(aaa.address[2:]),
        "empty": b"",
        "reversed": v3_path(bbb, aaa),
        "truncated_fee": v3_path(aaa, bbb)[:-1],
        "trailing_byte": v3_path(aaa, bbb) + b"\x00",
    }[case]


@pytest.mark.parametrize("case", BAD_PATHS)
def test_swap__path_does_not_match_tokens__reverts(adapter, pools, alice, aaa, bbb, hub, case):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v3_adapter: path does not match tokens"):
        adapter.swap(aaa, bbb, amount_in, 0, bad_path(case, aaa, bbb, hub), sender=alice)


def test_swap__five_token_path__reverts_path_too_long(adapter, pools, alice, aaa, bbb, hub, ccc):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v3_adapter: path too long"):
        adapter.swap(aaa, bbb, amount_in, 0, v3_path(aaa, hub, ccc, hub, bbb), sender=alice)


def test_swap__fee_tier_without_pool__reverts_and_keeps_input(adapter, uniswap_v3, pools, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    with ape.reverts():  # the router calls a pool address with no code: Solidity reverts without a reason
        adapter.swap(aaa, bbb, amount_in, 0, v3_path(aaa, bbb, fee=500), sender=alice)
    assert aaa.balanceOf(alice) == amount_in
    assert_adapter_is_empty(adapter, uniswap_v3, aaa, bbb)


def test_swap__input_token_takes_a_fee__reverts_transfer_amount_mismatch(project, adapter, deployer, alice, aaa):
    taxed = project.FeeOnTransferToken.deploy("Taxed", "TAX", 18, 100, sender=deployer)
    amount_in = TRADE * 10**18
    taxed.mint(alice, amount_in, sender=alice)
    taxed.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v3_adapter: transfer amount mismatch"):
        adapter.swap(taxed, aaa, amount_in, 0, v3_path(taxed, aaa), sender=alice)


def test_swap__input_token_returns_false__reverts_transfer_failed(project, adapter, deployer, alice, aaa):
    falsy = project.FalseReturnToken.deploy("Falsy", "FLS", 18, sender=deployer)
    amount_in = TRADE * 10**18
    falsy.mint(alice, amount_in, sender=alice)
    falsy.approve(adapter, amount_in, sender=alice)
    falsy.set_fail(True, sender=deployer)
    with ape.reverts("uniswap_v3_adapter: transfer failed"):
        adapter.swap(falsy, aaa, amount_in, 0, v3_path(falsy, aaa), sender=alice)
    assert falsy.balanceOf(alice) == amount_in


def test_swap__stranger_calls_against_anothers_leftover_allowance__pulls_only_from_the_stranger(
    adapter, uniswap_v3, pools, alice, bob, aaa, bbb
):
    """An attacker tries to spend an allowance a vault (here alice) left to the adapter: `swap` pulls from its own
    caller only and pays its own caller only, so bob can take nothing of alice's (0 wei)."""
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)

    with ape.reverts("mock_erc20: insufficient allowance"):
        adapter.swap(aaa, bbb, amount_in, 0, v3_path(aaa, bbb), sender=bob)

    assert aaa.balanceOf(alice) == amount_in and bbb.balanceOf(bob) == 0
    assert_adapter_is_empty(adapter, uniswap_v3, aaa, bbb)


def test_swap__allowance_below_amount_in__reverts_with_token_reason(adapter, pools, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in - 1, sender=alice)
    with ape.reverts("mock_erc20: insufficient allowance"):
        adapter.swap(aaa, bbb, amount_in, 0, v3_path(aaa, bbb), sender=alice)


# --- hops (what the policy checks against the vault's oracle) ------------------------------------------------------


@pytest.mark.parametrize("case", ["direct", "one_hop", "two_hops"])
def test_hops__valid_path__lists_the_tokens_between_in_path_order(adapter, aaa, bbb, hub, ccc, case):
    path, middle = {
        "direct": ((aaa, bbb), []),
        "one_hop": ((aaa, hub, ccc), [hub]),
        "two_hops": ((aaa, hub, bbb, ccc), [hub, bbb]),  # the longest path: 4 tokens
    }[case]
    assert adapter.hops(path[0], path[-1], v3_path(*path)) == [t.address for t in middle]


@pytest.mark.parametrize("case", BAD_PATHS)
def test_hops__path_does_not_match_tokens__reverts_as_swap_would(adapter, aaa, bbb, hub, case):
    with ape.reverts("uniswap_v3_adapter: path does not match tokens"):
        adapter.hops(aaa, bbb, bad_path(case, aaa, bbb, hub))


def test_hops__five_token_path__reverts_path_too_long(adapter, aaa, bbb, hub, ccc):
    with ape.reverts("uniswap_v3_adapter: path too long"):
        adapter.hops(aaa, bbb, v3_path(aaa, hub, ccc, hub, bbb))


# --- a real vault rebalancing through the V3 adapter ---------------------------------------------------------------
# The `market` fixture (USDC $1, WETH $2,000, WBTC $50,000 with feeds and V2 pools), plus V3 pools between every pair
# at the same oracle prices, $10M a side. The vault holds $1,000 a share, 40/30/30, under targets 50/20/30: WETH is
# overweight and USDC underweight at unchanged prices, so selling WETH for USDC is a valid trade at the oracle price.
V3_TARGETS = [5_000, 2_000, 3_000]
USDC, WETH, WBTC = range(3)


@pytest.fixture(scope="module")
def v3_market(market, uniswap_v3):
    for i, j in [(USDC, WETH), (USDC, WBTC), (WETH, WBTC)]:
        amounts = [POOL_DEPTH_USD * 10 ** market.decimals[k] * 10**8 // market.usd(k) for k in (i, j)]
        uniswap_v3.add_liquidity(market.tokens[i], market.tokens[j], *amounts, market.liquidity)
    return market


@pytest.fixture(scope="module")
def create_v3_vault(create_vault, v3_market, keeper):
    """A vault over the market's tokens, WETH overweight, that `keeper` may rebalance through `adapters`."""

    def create_v3_vault(adapters):
        rebalancing = Rebalancing(v3_market.router, 3, keepers=[keeper], adapters=adapters, targets=V3_TARGETS)
        return create_vault(v3_market.tokens, units=UNITS, rebalancing=rebalancing)

    return create_v3_vault


@pytest.fixture(scope="module", autouse=True)
def _deploy_vault_fixtures_before_isolation(v3_market, create_v3_vault, policy_of, mint_for):
    """As above, for the vault tests' module fixtures."""


@pytest.fixture
def v3_vault(create_v3_vault, mint_for, alice, adapter):
    """The V3 adapter allowed at creation; alice holds SUPPLY."""
    vault = create_v3_vault([adapter])
    mint_for(vault, alice, SUPPLY)
    return vault


def test_rebalance__through_v3_adapter__vault_receives_quoter_quote_above_oracle_bound(
    v3_vault, v3_market, uniswap_v3, adapter, keeper
):
    usdc, weth, _ = v3_market.tokens
    amount_in = 2 * 10**18  # $4,000 of a $100,000 vault
    data = v3_path(weth, usdc)
    min_out = min_out_bound(v3_market.router, weth, usdc, amount_in)
    quote = uniswap_v3.quote(amount_in, data)
    assert quote > min_out
    before = [usdc.balanceOf(v3_vault), weth.balanceOf(v3_vault)]

    tx = v3_vault.rebalance(weth, usdc, amount_in, min_out, adapter, data, sender=keeper)

    event = tx.events.filter(v3_vault.Rebalanced)[0]
    assert (event.adapter, event.amount_in, event.amount_out) == (adapter.address, amount_in, quote)
    assert usdc.balanceOf(v3_vault) - before[0] == quote
    assert before[1] - weth.balanceOf(v3_vault) == amount_in
    assert_adapter_is_empty(adapter, uniswap_v3, usdc, weth)
    assert weth.allowance(v3_vault, adapter) == 0


def test_rebalance__two_pool_v3_path_through_priced_hop__succeeds(v3_vault, v3_market, uniswap_v3, adapter, keeper):
    """The policy's hop rule reads the V3 path through `hops`: WBTC is priced by the vault's oracle, so it may be the
    middle token."""
    usdc, weth, wbtc = v3_market.tokens
    amount_in = 10**18
    data = v3_path(weth, wbtc, usdc)
    assert adapter.hops(weth, usdc, data) == [wbtc.address]
    quote = uniswap_v3.quote(amount_in, data)

    tx = v3_vault.rebalance(weth, usdc, amount_in, min_out_bound(v3_market.router, weth, usdc, amount_in), adapter,
                            data, sender=keeper)  # fmt: skip

    assert tx.events.filter(v3_vault.Rebalanced)[0].amount_out == quote
    assert_adapter_is_empty(adapter, uniswap_v3, usdc, weth, wbtc)
    assert wbtc.balanceOf(uniswap_v3.router) == 0


def test_rebalance__v3_path_through_unpriced_token__reverts_hop_not_priced(
    v3_vault, v3_market, uniswap_v3, adapter, keeper, create_token
):
    """A keeper's own token as the middle hop, with V3 pools it seeded itself (where it could take the slippage): the
    policy refuses the path before any swap. With a priced hop (the test above) the same trade goes through."""
    usdc, weth, _ = v3_market.tokens
    junk = create_token(18, "JUNK")
    uniswap_v3.add_liquidity(weth, junk, 1_000 * 10**18, 2_000_000 * 10**18, keeper)
    uniswap_v3.add_liquidity(junk, usdc, 2_000_000 * 10**18, 2_000_000 * 10**6, keeper)
    amount_in = 10**18
    data = v3_path(weth, junk, usdc)
    assert uniswap_v3.quote(amount_in, data) > 0  # the route exists and would fill
    before = weth.balanceOf(v3_vault)

    with ape.reverts("rebalance_policy: hop not priced"):
        v3_vault.rebalance(weth, usdc, amount_in, min_out_bound(v3_market.router, weth, usdc, amount_in), adapter,
                           data, sender=keeper)  # fmt: skip
    assert weth.balanceOf(v3_vault) == before


def test_rebalance__v3_sandwiched__reverts_and_vault_keeps_its_tokens(
    v3_vault, v3_market, uniswap_v3, adapter, keeper, bob
):
    """An attacker front-runs the keeper in the WETH/USDC V3 pool. The vault's oracle-bound min_out (1 % below the
    oracle) makes the rebalance revert: the attacker can take at most that 1 % of the trade, here nothing."""
    usdc, weth, _ = v3_market.tokens
    amount_in = 2 * 10**18
    data = v3_path(weth, usdc)
    min_out = min_out_bound(v3_market.router, weth, usdc, amount_in)
    push_price(uniswap_v3, bob, 300 * 10**18, weth, usdc)  # $600k of WETH sold into the $10M concentrated pool
    assert uniswap_v3.quote(amount_in, data) < min_out
    before = [usdc.balanceOf(v3_vault), weth.balanceOf(v3_vault)]

    with ape.reverts("Too little received"):
        v3_vault.rebalance(weth, usdc, amount_in, min_out, adapter, data, sender=keeper)
    assert [usdc.balanceOf(v3_vault), weth.balanceOf(v3_vault)] == before


def test_rebalance__v3_adapter_not_allowed__reverts_until_governance_allows_it_through_the_timelock(
    create_v3_vault, v3_market, mint_for, alice, market, adapter, keeper, governance, policy_of, chain, uniswap_v3
):
    usdc, weth, _ = v3_market.tokens
    vault = create_v3_vault([market.adapter])  # only the V2 adapter
    mint_for(vault, alice, SUPPLY)
    policy = policy_of(vault)
    amount_in = 10**18
    data = v3_path(weth, usdc)

    def rebalance():
        min_out = min_out_bound(v3_market.router, weth, usdc, amount_in)
        return vault.rebalance(weth, usdc, amount_in, min_out, adapter, data, sender=keeper)

    with ape.reverts("rebalance_policy: adapter not allowed"):
        rebalance()
    policy.propose_adapter(adapter, sender=governance)
    with ape.reverts("rebalance_policy: adapter not allowed"):
        rebalance()  # proposed is not allowed
    chain.pending_timestamp += DAY
    policy.execute_adapter(adapter, sender=governance)
    v3_market.refresh()  # the delay outlived the feeds' heartbeat
    quote = uniswap_v3.quote(amount_in, data)

    tx = rebalance()

    assert policy.is_adapter(adapter)
    assert tx.events.filter(vault.Rebalanced)[0].amount_out == quote
