# pragma version 0.4.3
"""
@title Rebasing Token
@license MIT
@notice TEST MOCK, never deploy to a live chain. Holds SHARES; `balanceOf` and
        `totalSupply` are shares x `index` (rounded down). Anyone can call
        `rebase(numerator, denominator)` to scale the index, and so every balance,
        up (positive rebase) or down (negative rebase) without any transfer.
        Transfers and mints convert the token amount to shares rounded DOWN, so the
        receiver's balance may grow by a wei or so less than `amount` (like stETH).
        `Transfer` events carry token amounts. `mint` is unrestricted.
"""

from . import token_ledger


initializes: token_ledger

# Metadata and allowances (kept in token amounts); balances, supply, `mint` and the
# transfers are defined below because they go through shares. The ledger's own
# balance and supply slots stay unused here.
exports: (
    token_ledger.name,
    token_ledger.symbol,
    token_ledger.decimals,
    token_ledger.allowance,
    token_ledger.approve,
)


# `index` is a WAD fraction: balance = shares * index // WAD.
WAD: constant(uint256) = 10**18


# Token amount per share, scaled by WAD; starts at 1:1.
index: public(uint256)
# Share balances; the rebase-invariant ledger underneath `balanceOf`.
shares: public(HashMap[address, uint256])
total_shares: public(uint256)


event Rebased:
    old_index: uint256
    new_index: uint256


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    token_ledger.__init__(name_, symbol_, decimals_)
    self.index = WAD


@view
@external
def balanceOf(account: address) -> uint256:
    """
    @notice The token balance of `account`: its shares times the index, rounded down.
    @param account The account queried.
    @return uint256 The balance.
    """
    return self._to_amount(self.shares[account])


@view
@external
def totalSupply() -> uint256:
    """
    @notice All shares times the index, rounded down.
    @return uint256 The total supply.
    """
    return self._to_amount(self.total_shares)


@external
def rebase(numerator: uint256, denominator: uint256):
    """
    @notice Multiplies the index, and so every balance, by `numerator / denominator`
            (rounded down). Anyone may call it: this is a test mock.
    @param numerator Above `denominator` for a positive rebase, below for a negative one.
    @param denominator Must be non-zero.
    """
    assert denominator != 0, "rebasing_token: zero denominator"
    old_index: uint256 = self.index
    new_index: uint256 = old_index * numerator // denominator
    assert new_index != 0, "rebasing_token: index would be zero"
    self.index = new_index
    log Rebased(old_index=old_index, new_index=new_index)


@external
def mint(to: address, amount: uint256):
    """
    @notice Creates `amount` tokens (as shares, rounded down) for `to`. Anyone may call it.
    @param to The receiver of the new tokens.
    @param amount The token amount to create.
    """
    shares: uint256 = self._to_shares(amount)
    self.shares[to] += shares
    self.total_shares += shares
    log token_ledger.Transfer(sender=empty(address), receiver=to, value=amount)


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves the shares worth `amount` (rounded down) from the caller to `to`.
    @param to The receiver.
    @param amount The token amount to move.
    @return bool Always True; failures revert.
    """
    self._move_shares(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves the shares worth `amount` (rounded down) from `owner` to `to` using
            the caller's allowance, which is spent in token amounts.
    @param owner The account debited.
    @param to The receiver.
    @param amount The token amount to move.
    @return bool Always True; failures revert.
    """
    assert token_ledger.allowance[owner][msg.sender] >= amount, "rebasing_token: insufficient allowance"
    token_ledger._spend_allowance(owner, msg.sender, amount)
    self._move_shares(owner, to, amount)
    return True


@internal
def _move_shares(owner: address, to: address, amount: uint256):
    """
    @dev `amount <= shares * index // WAD` implies `amount * WAD // index <= shares`,
         so the share subtraction cannot underflow once the balance check passes.
    """
    assert self._to_amount(self.shares[owner]) >= amount, "rebasing_token: insufficient balance"
    shares: uint256 = self._to_shares(amount)
    self.shares[owner] -= shares
    self.shares[to] += shares
    log token_ledger.Transfer(sender=owner, receiver=to, value=amount)


@view
@internal
def _to_amount(shares: uint256) -> uint256:
    return shares * self.index // WAD


@view
@internal
def _to_shares(amount: uint256) -> uint256:
    return amount * WAD // self.index
