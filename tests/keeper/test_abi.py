"""keeper.abi: every signature the keeper names matches the compiled project contract (name, input types and
canonical output types, tuples expanded), plus calldata encoding, route encoding and revert-reason decoding."""

import pytest
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from keeper import abi
from keeper.abi import Function, encode_path, revert_reason

WETH = to_checksum_address("0x" + "11" * 20)
WBTC = to_checksum_address("0x" + "22" * 20)
USDC = to_checksum_address("0x" + "33" * 20)
ADAPTER = to_checksum_address("0x" + "44" * 20)


def compiled_method(project, fn: Function):
    """The compiled method of `fn.contract` with exactly `fn`'s name and input types, or None."""
    contract_type = getattr(project, fn.contract).contract_type
    return next((method for method in contract_type.methods if method.selector == fn.signature), None)


# --- signatures against the compiled contracts ----------------------------------------------------------------------


@pytest.mark.parametrize("fn", abi.ALL, ids=[f"{fn.contract}.{fn.name}" for fn in abi.ALL])
def test_function__compiled_contract__has_method_with_same_name_and_inputs(project, fn):
    method = compiled_method(project, fn)

    assert method is not None, f"{fn.contract} has no {fn.signature}"
    assert method.name == fn.name
    assert tuple(i.canonical_type for i in method.inputs) == fn.inputs
    assert fn.selector == keccak(text=method.selector)[:4]


@pytest.mark.parametrize("fn", abi.ALL, ids=[f"{fn.contract}.{fn.name}" for fn in abi.ALL])
def test_function__compiled_contract__same_canonical_output_types(project, fn):
    method = compiled_method(project, fn)

    assert tuple(output.canonical_type for output in method.outputs) == fn.outputs


def test_function__input_type_differs_from_contract__no_compiled_method(project):
    assert compiled_method(project, Function("VaultLens", "state", ("uint256",), (abi.VAULT_STATE,))) is None
    assert compiled_method(project, Function("VaultFactory", "vault_count", ("uint256",), ("uint256",))) is None


def test_function__output_type_differs_from_contract__outputs_compare_unequal(project):
    wrong = Function("MockAggregator", "decimals", (), ("uint256",))
    wider_limits = Function("VaultLens", "state", ("address",), (abi.VAULT_STATE.replace(abi.LIMITS, "(uint256)"),))

    for fn in (wrong, wider_limits):
        method = compiled_method(project, fn)
        assert tuple(output.canonical_type for output in method.outputs) != fn.outputs


# --- encoding -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, selector",
    [(abi.FEED_LATEST_ROUND, "feaf968c"), (abi.FEED_ROUND, "9a6fc8f5"), (abi.FEED_DECIMALS, "313ce567"),
     (abi.TOKEN_SYMBOL, "95d89b41")],
)  # fmt: skip
def test_function_selector__well_known_functions__known_four_bytes(fn, selector):
    assert fn.selector.hex() == selector


def test_function_encode__rebalance__selector_then_abi_encoded_arguments():
    path = encode_path((WETH, USDC))

    calldata = abi.VAULT_REBALANCE.encode(WETH, USDC, 10**18, 1_990 * 10**6, ADAPTER, path)

    selector = keccak(text="rebalance(address,address,uint256,uint256,address,bytes)")[:4]
    assert calldata.startswith("0x" + selector.hex())
    arguments = decode(list(abi.VAULT_REBALANCE.inputs), bytes.fromhex(calldata[10:]))
    assert arguments == (WETH.lower(), USDC.lower(), 10**18, 1_990 * 10**6, ADAPTER.lower(), path)


def test_function_encode__no_arguments__selector_only():
    assert abi.FACTORY_VAULT_COUNT.encode() == "0x" + keccak(text="vault_count()")[:4].hex()


def test_function_decode__encoded_round__same_values():
    answer = "0x" + encode(abi.ROUND, [2**80 - 1, -(2**255), 7, 8, 9]).hex()

    assert abi.FEED_LATEST_ROUND.decode(answer) == (2**80 - 1, -(2**255), 7, 8, 9)


def test_encode_path__route__round_trips_through_eth_abi():
    assert decode(["address[]"], encode_path((WETH, WBTC, USDC))) == ((WETH.lower(), WBTC.lower(), USDC.lower()),)


def test_encode_path__two_hops__length_prefixed_dynamic_array():
    encoded = encode_path((WETH, USDC))

    assert len(encoded) == 32 * 4  # offset, length, two addresses
    assert int.from_bytes(encoded[32:64], "big") == 2


# --- revert_reason --------------------------------------------------------------------------------------------------


def test_revert_reason__error_string__the_reason():
    data = "0x08c379a0" + encode(["string"], ["index_vault: stale price"]).hex()

    assert revert_reason(data) == "index_vault: stale price"


def test_revert_reason__panic__panic_code_in_hex():
    data = "0x4e487b71" + encode(["uint256"], [0x11]).hex()

    assert revert_reason(data) == "panic 0x11"


@pytest.mark.parametrize("data", ["0x", "", None])
def test_revert_reason__no_data__without_a_reason(data):
    assert revert_reason(data) == "reverted without a reason"


def test_revert_reason__unknown_selector__first_32_bytes_of_data_in_hex():
    data = "0xdeadbeef" + encode(["uint256", "uint256"], [1, 2]).hex()

    assert revert_reason(data) == "reverted with data 0xdeadbeef" + "00" * 28


def test_revert_reason__short_unknown_data__all_of_it():
    assert revert_reason("0xdeadbeef") == "reverted with data 0xdeadbeef"


# --- Uniswap V3: the packed path and QuoterV2 (an npm contract, not a project one) -----------------------------------


def test_encode_v3_path__two_pools__tokens_and_big_endian_uint24_fees():
    packed = abi.encode_v3_path((WETH, WBTC, USDC), 500)
    assert packed == bytes.fromhex(WETH[2:] + "0001f4" + WBTC[2:] + "0001f4" + USDC[2:])


def test_encode_v3_path__default_fee__the_0_3_percent_tier():
    assert abi.encode_v3_path((WETH, USDC))[20:23] == (3_000).to_bytes(3, "big")


def test_encode_v3_path__one_fee_per_pool__each_packed_in_order():
    packed = abi.encode_v3_path((WETH, WBTC, USDC), (500, 10_000))
    assert packed == bytes.fromhex(WETH[2:] + "0001f4" + WBTC[2:] + "002710" + USDC[2:])


@pytest.mark.parametrize("path, fee, message", [
    ((WETH,), 3_000, "at least two tokens"), ((WETH, USDC), 2**24, "uint24"),
    ((WETH, WBTC, USDC), (500,), "needs 2 fees, not 1"),
])  # fmt: skip
def test_encode_v3_path__bad_input__raises(path, fee, message):
    with pytest.raises(ValueError, match=message):
        abi.encode_v3_path(path, fee)


def test_quoter_v3_exact_input__npm_quoter_v2_abi__same_name_inputs_and_outputs():
    from keeper.npm_artifacts import load_npm_hardhat_artifact

    contract_type = load_npm_hardhat_artifact("@uniswap/v3-periphery", "QuoterV2", folder="lens").contract_type
    fn = abi.QUOTER_V3_EXACT_INPUT
    (method,) = [m for m in contract_type.methods if m.selector == fn.signature]
    assert tuple(o.canonical_type for o in method.outputs) == fn.outputs
