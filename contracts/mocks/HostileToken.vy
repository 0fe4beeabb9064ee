# pragma version 0.4.3
"""
@title Hostile Token
@license MIT
@notice TEST MOCK, never deploy to a live chain. An ERC-20 with an open `mint`
        that its deployer can turn hostile after vaults and pools hold it, as a
        stranger's vault in a permissionless factory would: `set_mode(1)` makes
        every transfer revert, `set_mode(2)` makes `balanceOf` burn all the gas
        it is given. The keeper must spend at most a bounded call on such a
        vault and never let it stop the vaults it serves.
"""

from . import token_ledger


initializes: token_ledger

exports: (
    token_ledger.name,
    token_ledger.symbol,
    token_ledger.decimals,
    token_ledger.allowance,
    token_ledger.totalSupply,
    token_ledger.approve,
    token_ledger.mint,
)


HONEST: constant(uint8) = 0
REVERTS: constant(uint8) = 1
BURNS_GAS: constant(uint8) = 2


# Who may turn the token hostile, and how hostile it is now.
owner: public(immutable(address))
mode: public(uint8)


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)
    owner = msg.sender


@external
def set_mode(mode: uint8):
    """
    @notice 0: an ordinary token; 1: every transfer reverts; 2: `balanceOf` burns all gas.
    @param mode The new mode.
    """
    assert msg.sender == owner, "hostile_token: not owner"
    assert mode <= BURNS_GAS, "hostile_token: unknown mode"
    self.mode = mode


@external
@view
def balanceOf(account: address) -> uint256:
    """
    @notice `account`'s balance; in mode 2 it never returns (it hashes until the gas runs out).
    @param account The holder.
    """
    if self.mode == BURNS_GAS:
        word: bytes32 = empty(bytes32)
        for i: uint256 in range(10**12):
            word = keccak256(word)
    return token_ledger.balanceOf[account]


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to`; reverts in mode 1.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    assert self.mode != REVERTS, "hostile_token: transfer refused"
    assert token_ledger.balanceOf[msg.sender] >= amount, "hostile_token: insufficient balance"
    token_ledger._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner_: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `owner_` to `to` with the caller's allowance; reverts in mode 1.
    @param owner_ The account debited.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    assert self.mode != REVERTS, "hostile_token: transfer refused"
    assert token_ledger.allowance[owner_][msg.sender] >= amount, "hostile_token: insufficient allowance"
    assert token_ledger.balanceOf[owner_] >= amount, "hostile_token: insufficient balance"
    token_ledger._spend_allowance(owner_, msg.sender, amount)
    token_ledger._move(owner_, to, amount)
    return True
