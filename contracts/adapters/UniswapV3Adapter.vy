# pragma version 0.4.3
"""
@title Uniswap V3 Swap Adapter
@license MIT
@notice Sells the caller's tokens on Uniswap V3 (the periphery's SwapRouter, exact
        input) along a packed V3 path the caller gives. `swap` pulls exactly
        `amount_in` of `token_in` from the caller, swaps it along the path in `data`
        (token(20) | fee(3) | token(20) | ..., exactly what `SwapRouter.exactInput`
        takes; first token `token_in`, last token `token_out`), and the router sends
        the output straight back to the caller. That is all it can do: it only moves
        the caller's own tokens, along the caller's path, back to the caller. It has
        no owner, no settings and no storage; it holds no tokens and no allowance
        between calls. It has no `quote`: V3 quotes come from the periphery's
        QuoterV2 (`quoteExactInput`, called with `eth_call`), which is not a view.
@custom:security The price protection is `min_out` alone. The deadline passed to the
                 router is `block.timestamp` (no protection): the caller bounds the
                 price, not the time. Pool prices can be moved within a block
                 (sandwich), so the caller must derive `min_out` from an independent
                 price (the vault's oracle), never from a quote. Both legs are
                 checked by balance delta: an input that arrives short
                 (fee-on-transfer) reverts, the router must spend every wei of the
                 input (a pool whose liquidity runs out mid-swap would leave the rest,
                 and an allowance, here: that reverts instead), and the output the
                 caller actually received must reach `min_out` (the router checks
                 only the amount the pools computed). Tokens that return no bool
                 work. Unsupported: fee-on-transfer or rebasing tokens anywhere on
                 the path, and paths longer than 4 tokens (3 pools). The fee tiers in
                 the path are not checked here: a path naming a pool that does not
                 exist reverts in the router, and a path through a thin pool of any
                 tier (even one the caller's keeper seeded) fills no worse than
                 `min_out`, the oracle bound the vault sets, as with V2 paths. A token
                 sent to this contract by mistake stays here; nothing can take it out.
@custom:kill Nothing to stop: the adapter has no owner and keeps no state. To retire
             it, the vault removes it from its adapter allow-list.
"""

from ethereum.ercs import IERC20

from ..interfaces import ISwapAdapter
from ..interfaces import IUniswapV3SwapRouter


implements: ISwapAdapter


# At most 3 pools (4 tokens), as for the V2 adapter: the vault's `hops` allow-list is 4 long and longer paths cost
# more gas than any rebalance saves.
MAX_PATH: constant(uint256) = 4
# The packed path: a token is 20 bytes, each further pool adds its fee (uint24, 3 bytes) and the next token.
ADDRESS_BYTES: constant(uint256) = 20
HOP_BYTES: constant(uint256) = 23
MIN_PATH_BYTES: constant(uint256) = ADDRESS_BYTES + HOP_BYTES
MAX_PATH_BYTES: constant(uint256) = ADDRESS_BYTES + (MAX_PATH - 1) * HOP_BYTES


# The Uniswap V3 SwapRouter every swap goes through.
ROUTER: public(immutable(IUniswapV3SwapRouter))


event Swapped:
    caller: indexed(address)
    token_in: indexed(address)
    token_out: indexed(address)
    amount_in: uint256
    amount_out: uint256


@deploy
def __init__(router: address):
    """
    @param router The Uniswap V3 SwapRouter (@uniswap/v3-periphery).
    """
    assert router.is_contract, "uniswap_v3_adapter: router is not a contract"
    ROUTER = IUniswapV3SwapRouter(router)


@external
@nonreentrant
def swap(token_in: address, token_out: address, amount_in: uint256, min_out: uint256, data: Bytes[1024]) -> uint256:
    """
    @notice Sells exactly `amount_in` of the caller's `token_in` along the V3 path in
            `data` and sends the `token_out` bought to the caller. Approve this
            adapter for `amount_in` of `token_in` first.
    @dev Reverts with the router's own reason when its computed output is below
         `min_out` ("Too little received") and with ours when the output actually
         received is below it.
    @param token_in The token sold; must be the path's first token.
    @param token_out The token bought; must be the path's last token.
    @param amount_in The exact amount of `token_in` sold.
    @param min_out The least `token_out` the caller accepts.
    @param data The packed V3 path: token(20) | fee(3) | token(20) | ..., 2 to 4 tokens.
    @return The amount of `token_out` the caller received.
    """
    self._path(token_in, token_out, data)

    # Pull exactly `amount_in`; the delta (not our balance) is checked, so a donation
    # sitting here is never spent on the caller's behalf.
    held: uint256 = staticcall IERC20(token_in).balanceOf(self)
    assert extcall IERC20(token_in).transferFrom(
        msg.sender, self, amount_in, default_return_value=True
    ), "uniswap_v3_adapter: transfer failed"
    assert staticcall IERC20(token_in).balanceOf(self) == held + amount_in, "uniswap_v3_adapter: transfer amount mismatch"

    # The router pulls what the first pool takes; with the whole input consumed that is
    # exactly `amount_in`, so this allowance is spent back to zero (checked below).
    assert extcall IERC20(token_in).approve(
        ROUTER.address, amount_in, default_return_value=True
    ), "uniswap_v3_adapter: approve failed"

    # The output goes straight to the caller; measured there (after the pull, in case
    # `token_out == token_in` on a round-trip path).
    before: uint256 = staticcall IERC20(token_out).balanceOf(msg.sender)
    extcall ROUTER.exactInput(
        IUniswapV3SwapRouter.ExactInputParams(
            path=data, recipient=msg.sender, deadline=block.timestamp, amountIn=amount_in, amountOutMinimum=min_out
        )
    )
    # A V3 pool stops at the end of its liquidity and takes less than it was offered: the rest would stay here with
    # an allowance to the router. Exact input or nothing.
    assert staticcall IERC20(token_in).balanceOf(self) == held, "uniswap_v3_adapter: input not fully spent"
    amount_out: uint256 = staticcall IERC20(token_out).balanceOf(msg.sender) - before
    assert amount_out >= min_out, "uniswap_v3_adapter: insufficient output"

    log Swapped(caller=msg.sender, token_in=token_in, token_out=token_out, amount_in=amount_in, amount_out=amount_out)
    return amount_out


@view
@external
def hops(token_in: address, token_out: address, data: Bytes[1024]) -> DynArray[address, MAX_PATH]:
    """
    @notice The tokens between `token_in` and `token_out` on the V3 path in `data`
            (empty for a single pool), for the vault's policy to check against
            its allowed hops. Reverts as `swap` would on a path that does not match.
    @param token_in The token sold; must be the path's first token.
    @param token_out The token bought; must be the path's last token.
    @param data The packed V3 path: token(20) | fee(3) | token(20) | ..., 2 to 4 tokens.
    @return The intermediate tokens, in path order.
    """
    path: DynArray[address, MAX_PATH] = self._path(token_in, token_out, data)
    middle: DynArray[address, MAX_PATH] = []
    for i: uint256 in range(1, MAX_PATH):
        if i + 1 >= len(path):
            break
        middle.append(path[i])
    return middle


@internal
@pure
def _path(token_in: address, token_out: address, data: Bytes[1024]) -> DynArray[address, MAX_PATH]:
    """
    @dev The tokens of the packed path in `data`, checked to be 2 to 4 tokens long
         and to run from `token_in` to `token_out`.
    """
    size: uint256 = len(data)
    assert size <= MAX_PATH_BYTES, "uniswap_v3_adapter: path too long"
    # `size >= MIN_PATH_BYTES` first: the subtraction below cannot underflow.
    assert size >= MIN_PATH_BYTES, "uniswap_v3_adapter: path does not match tokens"
    assert (size - ADDRESS_BYTES) % HOP_BYTES == 0, "uniswap_v3_adapter: path does not match tokens"
    path: DynArray[address, MAX_PATH] = []
    for i: uint256 in range(MAX_PATH):
        start: uint256 = i * HOP_BYTES
        if start >= size:
            break
        path.append(convert(convert(slice(data, start, ADDRESS_BYTES), bytes20), address))
    assert path[0] == token_in and path[len(path) - 1] == token_out, "uniswap_v3_adapter: path does not match tokens"
    return path
