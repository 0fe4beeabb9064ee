# pragma version 0.4.3
"""
@title No-Return Token (USDT-like)
@license MIT
@notice TEST MOCK, never deploy to a live chain. `transfer`, `transferFrom` and
        `approve` return NOTHING (no `bool`), like mainnet USDT; failures revert.
        A caller that decodes a `bool` from the empty return data breaks, so vaults
        must use `default_return_value=True`. `mint` is unrestricted.
"""

from . import token_ledger


initializes: token_ledger

# Metadata, balances and the open `mint`; `approve` and the transfers are defined below
# because they return nothing.
exports: (
    token_ledger.name,
    token_ledger.symbol,
    token_ledger.decimals,
    token_ledger.balanceOf,
    token_ledger.allowance,
    token_ledger.totalSupply,
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
def approve(spender: address, amount: uint256):
    """
    @notice Sets `spender`'s allowance over the caller's tokens to `amount`. Returns nothing.
    @param spender The account allowed to spend.
    @param amount The new allowance.
    """
    token_ledger._approve(msg.sender, spender, amount)


@external
def transfer(to: address, amount: uint256):
    """
    @notice Moves `amount` from the caller to `to`. Returns nothing; failures revert.
    @param to The receiver.
    @param amount The amount to move.
    """
    assert token_ledger.balanceOf[msg.sender] >= amount, "no_return_token: insufficient balance"
    token_ledger._move(msg.sender, to, amount)


@external
def transferFrom(owner: address, to: address, amount: uint256):
    """
    @notice Moves `amount` from `owner` to `to` using the caller's allowance. Returns
            nothing; failures revert.
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount to move.
    """
    assert token_ledger.allowance[owner][msg.sender] >= amount, "no_return_token: insufficient allowance"
    assert token_ledger.balanceOf[owner] >= amount, "no_return_token: insufficient balance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    token_ledger._move(owner, to, amount)
