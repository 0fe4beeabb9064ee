# pragma version 0.4.3
"""
@title Uniswap V2 Swap Adapter
@license MIT
@notice Sells the caller's tokens on Uniswap V2 (Router02) along a path the caller gives.
        `swap` pulls exactly `amount_in` of `token_in` from the caller, swaps it along
        `path` (ABI-encoded in `data`, first hop `token_in`, last hop `token_out`), and
        the router sends the output straight back to the caller. That is all it can do:
        it only moves the caller's own tokens, along the caller's path, back to the
        caller. It has no owner, no settings and no storage; it holds no tokens and
        no allowance between calls. `quote` is the router's `getAmountsOut` for a path.
@custom:security The price protection is `min_out` alone. The deadline passed to the
                 router is `block.timestamp` (no protection): the caller bounds the
                 price, not the time. `quote` reads pool reserves, which anyone can
                 move within a block (sandwich), so the caller must derive `min_out`
                 from an independent price (the vault's oracle), never from `quote`.
                 Both legs are checked by balance delta: an input that arrives short
                 (fee-on-transfer) reverts, and the output the caller actually
                 received must reach `min_out` (the router checks only the amount the
                 pools computed). Tokens that return no bool work. Unsupported:
                 fee-on-transfer or rebasing tokens anywhere on the path (the router's
                 non-"SupportingFeeOnTransfer" swap reverts or the check above fires),
                 and paths longer than 4 tokens (3 hops). A token sent to this
                 contract by mistake stays here; nothing can take it out.
@custom:kill Nothing to stop: the adapter has no owner and keeps no state. To retire
             it, the vault removes it from its adapter allow-list.
"""

from ethereum.ercs import IERC20

from ..interfaces import ISwapAdapter
from ..interfaces import IUniswapV2Router02


implements: ISwapAdapter


# Router02 routes up to 3 hops here; longer paths cost more gas than any rebalance saves.
MAX_PATH: constant(uint256) = 4


# The Uniswap V2 Router02 every swap goes through.
ROUTER: public(immutable(IUniswapV2Router02))


event Swapped:
    caller: indexed(address)
    token_in: indexed(address)
    token_out: indexed(address)
    amount_in: uint256
    amount_out: uint256


@deploy
def __init__(router: address):
    """
    @param router The Uniswap V2 Router02.
    """
    assert router.is_contract, "uniswap_v2_adapter: router is not a contract"
    ROUTER = IUniswapV2Router02(router)


@external
@nonreentrant
def swap(token_in: address, token_out: address, amount_in: uint256, min_out: uint256, data: Bytes[1024]) -> uint256:
    """
    @notice Sells exactly `amount_in` of the caller's `token_in` along the path in
            `data` and sends the `token_out` bought to the caller. Approve this
            adapter for `amount_in` of `token_in` first.
    @dev Reverts with the router's own reason when its computed output is below
         `min_out` ("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT") and with ours when
         the output actually received is below it.
    @param token_in The token sold; must be `path[0]`.
    @param token_out The token bought; must be the last token of the path.
    @param amount_in The exact amount of `token_in` sold.
    @param min_out The least `token_out` the caller accepts.
    @param data `abi_encode(path)` with `path: DynArray[address, 4]`, at least 2 tokens.
    @return The amount of `token_out` the caller received.
    """
    path: DynArray[address, MAX_PATH] = self._path(token_in, token_out, data)

    # Pull exactly `amount_in`; the delta (not our balance) is checked, so a donation
    # sitting here is never spent on the caller's behalf.
    held: uint256 = staticcall IERC20(token_in).balanceOf(self)
    assert extcall IERC20(token_in).transferFrom(
        msg.sender, self, amount_in, default_return_value=True
    ), "uniswap_v2_adapter: transfer failed"
    assert staticcall IERC20(token_in).balanceOf(self) == held + amount_in, "uniswap_v2_adapter: transfer amount mismatch"

    # The router pulls exactly `amounts[0] == amount_in` from us, so this allowance is
    # spent back to zero by the swap (USDT-style tokens need a zero allowance before
    # the next approve, so this matters).
    assert extcall IERC20(token_in).approve(
        ROUTER.address, amount_in, default_return_value=True
    ), "uniswap_v2_adapter: approve failed"

    # The output goes straight to the caller; measured there (after the pull, in case
    # `token_out == token_in` on a round-trip path).
    before: uint256 = staticcall IERC20(token_out).balanceOf(msg.sender)
    extcall ROUTER.swapExactTokensForTokens(amount_in, min_out, path, msg.sender, block.timestamp)
    amount_out: uint256 = staticcall IERC20(token_out).balanceOf(msg.sender) - before
    assert amount_out >= min_out, "uniswap_v2_adapter: insufficient output"

    log Swapped(caller=msg.sender, token_in=token_in, token_out=token_out, amount_in=amount_in, amount_out=amount_out)
    return amount_out


@view
@external
def hops(token_in: address, token_out: address, data: Bytes[1024]) -> DynArray[address, MAX_PATH]:
    """
    @notice The tokens between `token_in` and `token_out` on the path in `data`
            (empty for a direct pair), for the vault's policy to check against
            its allowed hops. Reverts as `swap` would on a path that does not match.
    @param token_in The token sold; must be `path[0]`.
    @param token_out The token bought; must be the last token of the path.
    @param data `abi_encode(path)` with `path: DynArray[address, 4]`, at least 2 tokens.
    @return The intermediate tokens, in path order.
    """
    path: DynArray[address, MAX_PATH] = self._path(token_in, token_out, data)
    middle: DynArray[address, MAX_PATH] = []
    for i: uint256 in range(1, MAX_PATH):
        if i + 1 >= len(path):
            break
        middle.append(path[i])
    return middle


@view
@external
def quote(amount_in: uint256, data: Bytes[1024]) -> uint256:
    """
    @notice What `swap` would return for `amount_in` along the path in `data` at the
            current reserves (the router's `getAmountsOut`). Manipulable within a
            block: for planning, never for `min_out`.
    @param amount_in The amount of the path's first token sold.
    @param data `abi_encode(path)` with `path: DynArray[address, 4]`, at least 2 tokens.
    @return The amount of the path's last token bought.
    """
    path: DynArray[address, MAX_PATH] = abi_decode(data, DynArray[address, MAX_PATH])
    assert len(path) >= 2, "uniswap_v2_adapter: path too short"
    amounts: DynArray[uint256, MAX_PATH] = staticcall ROUTER.getAmountsOut(amount_in, path)
    return amounts[len(amounts) - 1]


@internal
@pure
def _path(token_in: address, token_out: address, data: Bytes[1024]) -> DynArray[address, MAX_PATH]:
    """
    @dev The path in `data`, checked to run from `token_in` to `token_out`.
    """
    path: DynArray[address, MAX_PATH] = abi_decode(data, DynArray[address, MAX_PATH])
    assert len(path) >= 2, "uniswap_v2_adapter: path does not match tokens"
    assert path[0] == token_in and path[len(path) - 1] == token_out, "uniswap_v2_adapter: path does not match tokens"
    return path
