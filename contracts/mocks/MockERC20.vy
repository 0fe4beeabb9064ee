# pragma version 0.4.3
"""
@title Mock ERC-20
@license MIT
@notice TEST MOCK, never deploy to a live chain. A well-behaved ERC-20 with any
        decimals (0, 2, 6, 8, 18, 24, ...) and an UNRESTRICTED `mint`: anyone can
        create tokens. No weirdness beyond that; it is the baseline for the others.
"""

from . import token_ledger


initializes: token_ledger

# The plain ERC-20 surface plus the open `mint`.
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


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to`.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    assert token_ledger.balanceOf[msg.sender] >= amount, "mock_erc20: insufficient balance"
    token_ledger._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `owner` to `to` using the caller's allowance.
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    assert token_ledger.allowance[owner][msg.sender] >= amount, "mock_erc20: insufficient allowance"
    assert token_ledger.balanceOf[owner] >= amount, "mock_erc20: insufficient balance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    token_ledger._move(owner, to, amount)
    return True
