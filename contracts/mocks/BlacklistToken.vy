# pragma version 0.4.3
"""
@title Blacklist Token (USDC-like)
@license MIT
@notice TEST MOCK, never deploy to a live chain. Anyone can `freeze`/`unfreeze` an
        account; any `transfer`/`transferFrom` FROM or TO a frozen account then reverts
        with "blacklist_token: frozen", like USDC's blacklist. `mint` is unrestricted
        and ignores the blacklist.
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


# Accounts that can neither send nor receive.
frozen: public(HashMap[address, bool])


event Frozen:
    account: indexed(address)


event Unfrozen:
    account: indexed(address)


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)


@external
def freeze(account: address):
    """
    @notice Blocks `account` from sending and receiving. Anyone may call it: this is a test mock.
    @param account The account to freeze.
    """
    self.frozen[account] = True
    log Frozen(account=account)


@external
def unfreeze(account: address):
    """
    @notice Lifts the block on `account`. Anyone may call it: this is a test mock.
    @param account The account to unfreeze.
    """
    self.frozen[account] = False
    log Unfrozen(account=account)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `to`; reverts if either is frozen.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    self._check_not_frozen(msg.sender, to)
    assert token_ledger.balanceOf[msg.sender] >= amount, "blacklist_token: insufficient balance"
    token_ledger._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `owner` to `to` using the caller's allowance; reverts
            if `owner` or `to` is frozen.
    @param owner The account debited.
    @param to The receiver.
    @param amount The amount to move.
    @return bool Always True; failures revert.
    """
    self._check_not_frozen(owner, to)
    assert token_ledger.allowance[owner][msg.sender] >= amount, "blacklist_token: insufficient allowance"
    assert token_ledger.balanceOf[owner] >= amount, "blacklist_token: insufficient balance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    token_ledger._move(owner, to, amount)
    return True


@view
@internal
def _check_not_frozen(owner: address, to: address):
    # One reason for both directions, like USDC's "Blacklistable: account is blacklisted".
    assert not self.frozen[owner] and not self.frozen[to], "blacklist_token: frozen"
