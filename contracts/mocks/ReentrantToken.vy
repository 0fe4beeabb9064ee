# pragma version 0.4.3
"""
@title Reentrant Token
@license MIT
@notice TEST MOCK, never deploy to a live chain. A standard token that, once anyone
        calls `arm(target, data)`, makes ONE raw call of `data` to `target` at the start
        of its next `transfer`/`transferFrom` (before any balance moves), then disarms.
        If that call reverts, the transfer reverts with the same revert data, so a
        vault's nonreentrant lock shows up as the reason. Used to attack a vault's
        `mint`/`redeem` by reentrancy. `mint` is unrestricted.
"""

from . import token_ledger


initializes: token_ledger

# The plain ERC-20 surface plus the open `mint`; transfers are defined below.
exports: (
    token_ledger.name,
    token_ledger.symbol,
    token_ledger.decimals,
    token_ledger.balanceOf,
    token_ledger.allowance,
    token_ledger.totalSupply,
    token_ledger.approve,
    token_ledger.mint,
)


MAX_DATA: constant(uint256) = 1024


# The pending hook; `target == empty(address)` means disarmed.
target: public(address)
data: public(Bytes[MAX_DATA])


event Armed:
    target: indexed(address)
    data: Bytes[MAX_DATA]


event Fired:
    target: indexed(address)


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)


@external
def arm(target: address, data: Bytes[MAX_DATA]):
    """
    @notice Makes the next transfer call `target` with `data` first. Anyone may call it.
    @param target The contract to call back (e.g. the vault under attack).
    @param data The calldata, e.g. an encoded `redeem(...)`.
    """
    assert target != empty(address), "reentrant_token: zero target"
    self.target = target
    self.data = data
    log Armed(target=target, data=data)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Fires the armed call, if any, then moves `amount` from the caller to `to`.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures (including the armed call's) revert.
    """
    self._fire()
    assert token_ledger.balanceOf[msg.sender] >= amount, "reentrant_token: insufficient balance"
    token_ledger._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Fires the armed call, if any, then moves `amount` from `owner` to `to` using
            the caller's allowance.
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures (including the armed call's) revert.
    """
    self._fire()
    assert token_ledger.allowance[owner][msg.sender] >= amount, "reentrant_token: insufficient allowance"
    assert token_ledger.balanceOf[owner] >= amount, "reentrant_token: insufficient balance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    token_ledger._move(owner, to, amount)
    return True


@internal
def _fire():
    """
    @dev Disarms before calling so the hook cannot fire again from inside itself; a
         revert in the call rolls the disarm back and bubbles the target's revert data.
    """
    target: address = self.target
    if target == empty(address):
        return
    data: Bytes[MAX_DATA] = self.data
    self.target = empty(address)
    self.data = b""
    raw_call(target, data, revert_on_failure=True)
    log Fired(target=target)
