# pragma version 0.4.3
"""
@title False-Return Token
@license MIT
@notice TEST MOCK, never deploy to a live chain. `transfer`/`transferFrom` RETURN FALSE
        instead of reverting when the balance or allowance is short, and move nothing.
        Anyone can call `set_fail(True)` to make EVERY transfer return False without
        moving funds. A caller that ignores the return value is fooled. `mint` is
        unrestricted.
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


# When set, every transfer returns False and moves nothing (simulates a paused token).
fail: public(bool)


event FailSet:
    fail: bool


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)


@external
def set_fail(fail: bool):
    """
    @notice Makes every later transfer return False (True) or behave normally (False).
            Anyone may call it: this is a test mock.
    @param fail Whether transfers should fail silently.
    """
    self.fail = fail
    log FailSet(fail=fail)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to`, or returns False and moves nothing.
    @param to The receiver.
    @param amount The amount to move.
    @return bool False if failing or the balance is short; True otherwise.
    """
    if self.fail or token_ledger.balanceOf[msg.sender] < amount:
        return False
    token_ledger._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `owner` to `to` using the caller's allowance, or returns
            False and moves nothing (allowance untouched).
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount to move.
    @return bool False if failing or the balance or allowance is short; True otherwise.
    """
    if self.fail or token_ledger.allowance[owner][msg.sender] < amount or token_ledger.balanceOf[owner] < amount:
        return False
    token_ledger._spend_allowance(owner, msg.sender, amount)
    token_ledger._move(owner, to, amount)
    return True
