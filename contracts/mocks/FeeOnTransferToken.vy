# pragma version 0.4.3
"""
@title Fee-On-Transfer Token
@license MIT
@notice TEST MOCK, never deploy to a live chain. Burns `FEE_BPS` basis points of every
        `transfer`/`transferFrom` (fee rounded down), so the receiver gets LESS than
        `amount` and total supply shrinks. The sender is debited the full `amount`.
        `mint` is unrestricted.
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


MAX_BPS: constant(uint256) = 10_000


# Share of each transfer burnt, in basis points (100 = 1%).
FEE_BPS: public(immutable(uint256))


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8, fee_bps: uint256):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    @param fee_bps The fee burnt from each transfer, in basis points (at most 10_000).
    """
    assert fee_bps <= MAX_BPS, "fee_on_transfer_token: fee above 100%"
    token_ledger.__init__(name_, symbol_, decimals_)
    FEE_BPS = fee_bps


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Debits `amount` from the caller; `to` receives `amount` minus the fee.
    @param to The receiver.
    @param amount The amount debited.
    @return bool Always True; failures revert.
    """
    assert token_ledger.balanceOf[msg.sender] >= amount, "fee_on_transfer_token: insufficient balance"
    self._transfer_with_fee(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Debits `amount` from `owner` using the caller's allowance; `to` receives
            `amount` minus the fee.
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount debited (and the allowance spent).
    @return bool Always True; failures revert.
    """
    assert token_ledger.allowance[owner][msg.sender] >= amount, "fee_on_transfer_token: insufficient allowance"
    assert token_ledger.balanceOf[owner] >= amount, "fee_on_transfer_token: insufficient balance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    self._transfer_with_fee(owner, to, amount)
    return True


@internal
def _transfer_with_fee(owner: address, to: address, amount: uint256):
    """
    @dev Burns the fee (rounded down, so a tiny transfer may pay none) and moves the rest.
    """
    fee: uint256 = amount * FEE_BPS // MAX_BPS
    token_ledger._burn(owner, fee)
    token_ledger._move(owner, to, amount - fee)
