"""The few contract functions the keeper calls, as ABI signatures, with encoding and revert-reason decoding.

The keeper ships without the project's build artifacts, so it names only what it uses; `tests/keeper/test_abi.py`
checks each signature against the compiled contracts so the two cannot drift apart.
"""

from dataclasses import dataclass

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, is_address, to_checksum_address  # noqa: F401 (is_address: for the cycle)

LIMITS = "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256)"
VAULT_STATE = (
    "(address,address,address[],uint256[],uint256[],uint256[],uint256[],uint256[],uint256[],uint8[],address[],"
    f"uint256,{LIMITS},uint256,uint256,bool,bool,address,uint256)"
)
ACCESS = "(bool,bool,bool,address[],address[],bytes)"
ROUND = ["uint80", "int256", "uint256", "uint256", "uint80"]


@dataclass(frozen=True)
class Function:
    """One contract function: encodes calls as hex calldata and decodes hex results."""

    contract: str  # the project contract it belongs to (for the ABI test)
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    @property
    def selector(self) -> bytes:
        return function_signature_to_4byte_selector(self.signature)

    def encode(self, *args) -> str:
        return "0x" + (self.selector + encode(list(self.inputs), list(args))).hex()

    def decode(self, result: str) -> tuple:
        return decode(list(self.outputs), bytes.fromhex(result.removeprefix("0x")))


LENS_STATE = Function("VaultLens", "state", ("address",), (VAULT_STATE,))
LENS_ACCESS = Function("VaultLens", "access", ("address", "address", "address", "address[]"), (ACCESS,))
MAX_HOPS = 16  # VaultLens.MAX_HOPS: route candidates asked about per vault
FACTORY_VAULT_COUNT = Function("VaultFactory", "vault_count", (), ("uint256",))
FACTORY_VAULTS = Function("VaultFactory", "vaults", ("uint256",), ("address",))
VAULT_REBALANCE = Function(
    "IndexVault", "rebalance", ("address", "address", "uint256", "uint256", "address", "bytes"), ("uint256",)
)
POLICY_SET_TARGETS = Function("RebalancePolicy", "set_targets", ("uint256[]",), ())
FEED_LATEST_ROUND = Function("MockAggregator", "latestRoundData", (), tuple(ROUND))
FEED_ROUND = Function("MockAggregator", "getRoundData", ("uint80",), tuple(ROUND))
FEED_DECIMALS = Function("MockAggregator", "decimals", (), ("uint8",))
TOKEN_SYMBOL = Function("MockERC20", "symbol", (), ("string",))
ADAPTER_QUOTE = Function("UniswapV2Adapter", "quote", ("uint256", "bytes"), ("uint256",))
# Uniswap V3's QuoterV2 (@uniswap/v3-periphery@1.4.4, not a project contract: checked against its npm artifact):
# (amountOut, sqrtPriceX96AfterList, initializedTicksCrossedList, gasEstimate). Not a view (it reverts inside with
# the answer), so only ever called with eth_call.
QUOTER_V3_EXACT_INPUT = Function(
    "QuoterV2", "quoteExactInput", ("bytes", "uint256"), ("uint256", "uint160[]", "uint32[]", "uint256")
)

ALL = (
    LENS_STATE,
    LENS_ACCESS,
    FACTORY_VAULT_COUNT,
    FACTORY_VAULTS,
    VAULT_REBALANCE,
    POLICY_SET_TARGETS,
    FEED_LATEST_ROUND,
    FEED_ROUND,
    FEED_DECIMALS,
    TOKEN_SYMBOL,
    ADAPTER_QUOTE,
)

ERROR_SELECTOR = function_signature_to_4byte_selector("Error(string)")
PANIC_SELECTOR = function_signature_to_4byte_selector("Panic(uint256)")


def encode_path(path: tuple[str, ...]) -> bytes:
    """The UniswapV2Adapter's `data`: the ABI-encoded route, sell token first."""
    return encode(["address[]"], [list(path)])


# Uniswap V3's fee tiers (hundredths of a bp) that the factory enables at deployment: 0.05 %, 0.3 % and 1 %. The mock
# world's pools are at 0.3 %, the default.
V3_FEE = 3_000
V3_FEES = (500, 3_000, 10_000)


def encode_v3_path(path: tuple[str, ...], fees: int | tuple[int, ...] = V3_FEE) -> bytes:
    """The UniswapV3Adapter's `data` (and SwapRouter's/QuoterV2's `path`): token(20) | fee(3) | token(20) | ...;
    `fees` is one tier for every pool or one per pool."""
    if len(path) < 2:
        raise ValueError("a V3 path needs at least two tokens")
    fees = (fees,) * (len(path) - 1) if isinstance(fees, int) else tuple(fees)
    if len(fees) != len(path) - 1:
        raise ValueError(f"a V3 path of {len(path)} tokens needs {len(path) - 1} fees, not {len(fees)}")
    packed = bytes.fromhex(path[0].removeprefix("0x"))
    for fee, token in zip(fees, path[1:], strict=True):
        if not 0 <= fee < 2**24:
            raise ValueError(f"a V3 fee is a uint24, not {fee}")
        packed += fee.to_bytes(3, "big") + bytes.fromhex(token.removeprefix("0x"))
    return packed


def revert_reason(data: str | None) -> str:
    """A revert's reason string (`Error(string)`), a panic code, or a short description of raw revert data."""
    try:
        raw = bytes.fromhex((data or "0x").removeprefix("0x"))
    except ValueError:
        return f"reverted with undecodable data {str(data)[:66]}"
    try:
        if raw[:4] == ERROR_SELECTOR:
            return decode(["string"], raw[4:])[0]
        if raw[:4] == PANIC_SELECTOR:
            return f"panic {decode(['uint256'], raw[4:])[0]:#x}"
    except (DecodingError, OverflowError, UnicodeDecodeError):  # a stranger's contract may revert with anything
        pass
    return "reverted without a reason" if not raw else f"reverted with data 0x{raw.hex()[:64]}"


def address(value: str) -> str:
    return to_checksum_address(value)
