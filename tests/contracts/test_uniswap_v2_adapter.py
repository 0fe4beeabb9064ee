"""UniswapV2Adapter against the real Uniswap V2 factory, pair and Router02 bytecode from npm."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from keeper.npm_artifacts import NpmArtifactError, load_npm_artifact
from fixtures.uniswap import NO_DEADLINE, PAIR_INIT_CODE_HASH

# Pools of 1,000,000 whole tokens a side: a 1,000-token swap moves the price ~0.2 %.
DEPTH = 1_000_000
TRADE = 1_000


def path_data(*tokens) -> bytes:
    """The adapter's `data`: the ABI-encoded `DynArray[address, 4]` path."""
    return encode(["address[]"], [[t.address for t in tokens]])


def router_quote(uniswap, amount_in: int, *tokens) -> int:
    return uniswap.router.getAmountsOut(amount_in, [t.address for t in tokens])[-1]


@pytest.fixture(scope="module")
def adapter(project, deployer, uniswap):
    return project.UniswapV2Adapter.deploy(uniswap.router, sender=deployer)


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
def pools(uniswap, liquidity_provider, aaa, bbb, hub, ccc, usdc):
    """AAA/BBB at 1:2, AAA/HUB at 1:1, HUB/CCC at 1:3, AAA/USDC at 1 AAA = 2 USDC."""
    e18, e6 = 10**18, 10**6
    uniswap.add_liquidity(aaa, bbb, DEPTH * e18, 2 * DEPTH * e18, liquidity_provider)
    uniswap.add_liquidity(aaa, hub, DEPTH * e18, DEPTH * e18, liquidity_provider)
    uniswap.add_liquidity(hub, ccc, DEPTH * e18, 3 * DEPTH * e18, liquidity_provider)
    uniswap.add_liquidity(aaa, usdc, DEPTH * e18, 2 * DEPTH * e6, liquidity_provider)


@pytest.fixture(scope="module", autouse=True)
def _deploy_before_isolation(adapter, pools, alice, bob):
    """Create every module and session fixture before ape's per-test snapshots, so none is re-based."""


@pytest.fixture
def approve_and_swap(adapter, pools):
    """`caller` (standing in for the vault) mints `amount_in` of `path[0]`, approves the adapter and swaps."""

    def approve_and_swap(caller, amount_in, min_out, *path, token_in=None, token_out=None):
        path[0].mint(caller, amount_in, sender=caller)
        path[0].approve(adapter, amount_in, sender=caller)
        return adapter.swap(
            token_in or path[0], token_out or path[-1], amount_in, min_out, path_data(*path), sender=caller
        )

    return approve_and_swap


def assert_adapter_is_empty(adapter, uniswap, *tokens):
    for token in tokens:
        assert token.balanceOf(adapter) == 0
        assert token.allowance(adapter, uniswap.router) == 0


# --- the real deployment -------------------------------------------------------------------------------------------


def test_pair_init_code__npm_bytecode__matches_router02_hash(uniswap, aaa, bbb, pools):
    pair_creation_code = bytes.fromhex(uniswap.pair_container.contract_type.deployment_bytecode.bytecode[2:])
    assert keccak(pair_creation_code) == PAIR_INIT_CODE_HASH
    # Router02 has the hash baked into UniswapV2Library.pairFor ...
    assert PAIR_INIT_CODE_HASH in bytes(ape.chain.provider.get_code(uniswap.router.address))
    # ... and the factory deploys pairs at exactly the CREATE2 address it computes.
    token0, token1 = sorted([aaa.address, bbb.address], key=lambda a: int(a, 16))
    salt = keccak(bytes.fromhex(token0[2:]) + bytes.fromhex(token1[2:]))
    create2 = keccak(b"\xff" + bytes.fromhex(uniswap.factory.address[2:]) + salt + PAIR_INIT_CODE_HASH)[12:]
    assert uniswap.factory.getPair(aaa, bbb) == to_checksum_address(create2)
    assert uniswap.router.factory() == uniswap.factory.address


def test_load_npm_artifact__package_missing__raises_with_setup_hint(tmp_path):
    with pytest.raises(NpmArtifactError, match=r"run `make setup`: node_modules/@uniswap/v2-core is missing"):
        load_npm_artifact("@uniswap/v2-core", "UniswapV2Pair", root=tmp_path)


def test_load_npm_artifact__contract_missing__raises_naming_the_file():
    with pytest.raises(NpmArtifactError, match=r"node_modules/@uniswap/v2-core/build/NoSuchPair.json is missing"):
        load_npm_artifact("@uniswap/v2-core", "NoSuchPair")


# --- deployment ----------------------------------------------------------------------------------------------------


def test_init__router__is_immutable_router(adapter, uniswap):
    assert adapter.ROUTER() == uniswap.router.address


def test_init__router_not_a_contract__reverts(project, deployer, alice):
    with ape.reverts("uniswap_v2_adapter: router is not a contract"):
        project.UniswapV2Adapter.deploy(alice, sender=deployer)


# --- swap: happy paths ---------------------------------------------------------------------------------------------


def test_swap__direct_pair__caller_receives_router_quote(adapter, uniswap, approve_and_swap, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    expected = router_quote(uniswap, amount_in, aaa, bbb)
    assert expected == adapter.quote(amount_in, path_data(aaa, bbb))

    tx = approve_and_swap(alice, amount_in, expected, aaa, bbb)

    assert bbb.balanceOf(alice) == expected
    assert aaa.balanceOf(alice) == 0
    assert tx.events.filter(adapter.Swapped) == [
        adapter.Swapped(
            caller=alice.address, token_in=aaa.address, token_out=bbb.address, amount_in=amount_in, amount_out=expected
        )
    ]
    assert_adapter_is_empty(adapter, uniswap, aaa, bbb)


def test_swap__two_hop_path__caller_receives_router_quote(adapter, uniswap, approve_and_swap, alice, aaa, hub, ccc):
    amount_in = TRADE * 10**18
    expected = router_quote(uniswap, amount_in, aaa, hub, ccc)
    assert expected == adapter.quote(amount_in, path_data(aaa, hub, ccc))

    tx = approve_and_swap(alice, amount_in, expected, aaa, hub, ccc)

    assert ccc.balanceOf(alice) == expected
    assert hub.balanceOf(alice) == 0
    assert tx.events.filter(adapter.Swapped)[0].amount_out == expected
    assert_adapter_is_empty(adapter, uniswap, aaa, hub, ccc)


def test_swap__return_value__equals_amount_received(adapter, uniswap, pools, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    # A call (not a transaction) returns the function's result.
    returned = adapter.swap.call(aaa, bbb, amount_in, 0, path_data(aaa, bbb), sender=alice)
    assert returned == router_quote(uniswap, amount_in, aaa, bbb)


@pytest.mark.parametrize("direction", ["18_to_6", "6_to_18"])
def test_swap__six_and_eighteen_decimals__caller_receives_router_quote(
    adapter, uniswap, approve_and_swap, alice, aaa, usdc, direction
):
    token_in, token_out = (aaa, usdc) if direction == "18_to_6" else (usdc, aaa)
    amount_in = TRADE * 10 ** token_in.decimals()
    expected = router_quote(uniswap, amount_in, token_in, token_out)
    # At 1 AAA = 2 USDC, less the 0.3 % fee and ~0.1 % price impact, in the output's own decimals.
    ideal = 2 * TRADE * 10**6 if direction == "18_to_6" else TRADE * 10**18 // 2
    assert ideal * 995 // 1000 < expected < ideal * 997 // 1000

    approve_and_swap(alice, amount_in, expected, token_in, token_out)

    assert token_out.balanceOf(alice) == expected
    assert_adapter_is_empty(adapter, uniswap, token_in, token_out)


def test_swap__no_return_tokens__caller_receives_router_quote(
    project, adapter, uniswap, deployer, liquidity_provider, alice
):
    no_return_in = project.NoReturnToken.deploy("No Return In", "NRI", 18, sender=deployer)
    no_return_out = project.NoReturnToken.deploy("No Return Out", "NRO", 6, sender=deployer)
    uniswap.add_liquidity(no_return_in, no_return_out, DEPTH * 10**18, DEPTH * 10**6, liquidity_provider)
    amount_in = TRADE * 10**18
    expected = router_quote(uniswap, amount_in, no_return_in, no_return_out)
    no_return_in.mint(alice, amount_in, sender=alice)
    no_return_in.approve(adapter, amount_in, sender=alice)

    adapter.swap(no_return_in, no_return_out, amount_in, expected, path_data(no_return_in, no_return_out), sender=alice)

    assert no_return_out.balanceOf(alice) == expected
    assert_adapter_is_empty(adapter, uniswap, no_return_in, no_return_out)


def test_swap__tokens_donated_to_adapter__stay_untouched(adapter, uniswap, approve_and_swap, alice, bob, aaa, bbb):
    aaa.mint(adapter, 5, sender=bob)
    amount_in = TRADE * 10**18
    expected = router_quote(uniswap, amount_in, aaa, bbb)

    approve_and_swap(alice, amount_in, expected, aaa, bbb)

    assert bbb.balanceOf(alice) == expected
    assert aaa.balanceOf(adapter) == 5


# --- swap: price protection ----------------------------------------------------------------------------------------


def test_swap__min_out_equals_quote__succeeds(uniswap, approve_and_swap, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    quote = router_quote(uniswap, amount_in, aaa, bbb)
    approve_and_swap(alice, amount_in, quote, aaa, bbb)
    assert bbb.balanceOf(alice) == quote


@pytest.mark.parametrize("hops", [1, 2])
def test_swap__min_out_above_quote__reverts_with_router_reason(
    adapter, uniswap, approve_and_swap, alice, aaa, bbb, hub, ccc, hops
):
    path = (aaa, bbb) if hops == 1 else (aaa, hub, ccc)
    amount_in = TRADE * 10**18
    quote = router_quote(uniswap, amount_in, *path)
    with ape.reverts("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"):
        approve_and_swap(alice, amount_in, quote + 1, *path)


def test_swap__price_pushed_before_swap__reverts(uniswap, approve_and_swap, pools, alice, bob, aaa, bbb):
    """A sandwich: bob buys BBB ahead of alice; alice's floor, set before the push, stops her swap."""
    amount_in = TRADE * 10**18
    min_out = router_quote(uniswap, amount_in, aaa, bbb) * 995 // 1000  # 0.5 % slippage allowed
    push = 20 * TRADE * 10**18  # moves the AAA/BBB price ~4 %
    aaa.mint(bob, push, sender=bob)
    aaa.approve(uniswap.router, push, sender=bob)
    uniswap.router.swapExactTokensForTokens(push, 0, [aaa, bbb], bob, NO_DEADLINE, sender=bob)
    assert router_quote(uniswap, amount_in, aaa, bbb) < min_out

    with ape.reverts("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"):
        approve_and_swap(alice, amount_in, min_out, aaa, bbb)


def test_swap__price_pushed_before_swap_with_zero_min_out__caller_loses_value(
    uniswap, approve_and_swap, pools, alice, bob, aaa, bbb
):
    """The twin of the sandwich test: without a floor the same swap fills ~4 % worse."""
    amount_in = TRADE * 10**18
    fair = router_quote(uniswap, amount_in, aaa, bbb)
    push = 20 * TRADE * 10**18
    aaa.mint(bob, push, sender=bob)
    aaa.approve(uniswap.router, push, sender=bob)
    uniswap.router.swapExactTokensForTokens(push, 0, [aaa, bbb], bob, NO_DEADLINE, sender=bob)

    approve_and_swap(alice, amount_in, 0, aaa, bbb)

    assert bbb.balanceOf(alice) < fair * 97 // 100


def test_swap__output_token_takes_a_fee__reverts_insufficient_output(
    project, adapter, uniswap, deployer, liquidity_provider, alice, aaa
):
    taxed = project.FeeOnTransferToken.deploy("Taxed", "TAX", 18, 100, sender=deployer)
    uniswap.add_liquidity(aaa, taxed, DEPTH * 10**18, DEPTH * 10**18, liquidity_provider)
    amount_in = TRADE * 10**18
    # The router checks the amount the pool sends; 1 % of it is burned on the way to alice.
    quote = router_quote(uniswap, amount_in, aaa, taxed)
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v2_adapter: insufficient output"):
        adapter.swap(aaa, taxed, amount_in, quote, path_data(aaa, taxed), sender=alice)


# --- swap: input checks --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["first_is_not_token_in", "last_is_not_token_out", "single_token", "empty", "reversed"]
)
def test_swap__path_does_not_match_tokens__reverts(adapter, pools, alice, aaa, bbb, hub, case):
    path = {
        "first_is_not_token_in": [hub, bbb],
        "last_is_not_token_out": [aaa, hub],
        "single_token": [aaa],
        "empty": [],
        "reversed": [bbb, aaa],
    }[case]
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v2_adapter: path does not match tokens"):
        adapter.swap(aaa, bbb, amount_in, 0, path_data(*path), sender=alice)


def test_swap__input_token_takes_a_fee__reverts_transfer_amount_mismatch(
    project, adapter, uniswap, deployer, liquidity_provider, alice, aaa
):
    taxed = project.FeeOnTransferToken.deploy("Taxed", "TAX", 18, 100, sender=deployer)
    uniswap.add_liquidity(taxed, aaa, DEPTH * 10**18, DEPTH * 10**18, liquidity_provider)
    amount_in = TRADE * 10**18
    taxed.mint(alice, amount_in, sender=alice)
    taxed.approve(adapter, amount_in, sender=alice)
    with ape.reverts("uniswap_v2_adapter: transfer amount mismatch"):
        adapter.swap(taxed, aaa, amount_in, 0, path_data(taxed, aaa), sender=alice)


def test_swap__input_token_returns_false__reverts_transfer_failed(project, adapter, deployer, alice, aaa):
    falsy = project.FalseReturnToken.deploy("Falsy", "FLS", 18, sender=deployer)
    amount_in = TRADE * 10**18
    falsy.mint(alice, amount_in, sender=alice)
    falsy.approve(adapter, amount_in, sender=alice)
    falsy.set_fail(True, sender=deployer)
    with ape.reverts("uniswap_v2_adapter: transfer failed"):
        adapter.swap(falsy, aaa, amount_in, 0, path_data(falsy, aaa), sender=alice)
    assert falsy.balanceOf(alice) == amount_in


def test_swap__allowance_below_amount_in__reverts_with_token_reason(adapter, pools, alice, aaa, bbb):
    amount_in = TRADE * 10**18
    aaa.mint(alice, amount_in, sender=alice)
    aaa.approve(adapter, amount_in - 1, sender=alice)
    with ape.reverts("mock_erc20: insufficient allowance"):
        adapter.swap(aaa, bbb, amount_in, 0, path_data(aaa, bbb), sender=alice)


# --- quote ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [1, 2])
def test_quote__valid_path__equals_router_get_amounts_out(adapter, uniswap, pools, aaa, bbb, hub, ccc, hops):
    path = (aaa, bbb) if hops == 1 else (aaa, hub, ccc)
    amount_in = 12_345 * 10**18
    assert adapter.quote(amount_in, path_data(*path)) == router_quote(uniswap, amount_in, *path)


def test_quote__single_token_path__reverts(adapter, pools, aaa):
    with ape.reverts("uniswap_v2_adapter: path too short"):
        adapter.quote(10**18, path_data(aaa))


# --- hops (what the policy checks against the vault's oracle) ------------------------------------------------------


@pytest.mark.parametrize("case", ["direct", "one_hop", "two_hops"])
def test_hops__valid_path__lists_the_tokens_between_in_path_order(adapter, aaa, bbb, hub, ccc, case):
    path, middle = {
        "direct": ((aaa, bbb), []),
        "one_hop": ((aaa, hub, ccc), [hub]),
        "two_hops": ((aaa, hub, bbb, ccc), [hub, bbb]),  # the longest path: 4 tokens
    }[case]
    assert adapter.hops(path[0], path[-1], path_data(*path)) == [t.address for t in middle]


@pytest.mark.parametrize(
    "case", ["first_is_not_token_in", "last_is_not_token_out", "single_token", "empty", "reversed"]
)
def test_hops__path_does_not_match_tokens__reverts_as_swap_would(adapter, aaa, bbb, hub, case):
    path = {
        "first_is_not_token_in": [hub, bbb],
        "last_is_not_token_out": [aaa, hub],
        "single_token": [aaa],
        "empty": [],
        "reversed": [bbb, aaa],
    }[case]
    with ape.reverts("uniswap_v2_adapter: path does not match tokens"):
        adapter.hops(aaa, bbb, path_data(*path))
