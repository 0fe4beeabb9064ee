# pragma version 0.4.3
"""
@title Shared ERC-20 Ledger For Test Mocks
@license MIT
@notice TEST MOCK MODULE, never deploy to a live chain. Holds the plain ERC-20 ledger
        (metadata, balances, allowances, supply) that every mock token in this folder
        initializes, plus an UNRESTRICTED `mint` so tests can fund any account.
        The internal helpers move, mint, burn and approve without policy; each mock
        checks balances and allowances first with its own namespaced revert reason
        (the asserts here are only a backstop) and adds its own weirdness around them.
"""


# Metadata, fixed at deployment.
name: public(String[64])
symbol: public(String[32])
decimals: public(uint8)

# Ledger units; for every mock except RebasingToken these are plain token amounts.
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)


event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256


event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256


@deploy
def __init__(name_: String[64], symbol_: String[32], decimals_: uint8):
    """
    @dev Stores the metadata; any `decimals_` (0, 2, 6, 8, 18, 24, ...) is accepted.
    @param name_ The token name.
    @param symbol_ The token symbol.
    @param decimals_ The token decimals.
    """
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Sets `spender`'s allowance over the caller's tokens to `amount`.
    @param spender The account allowed to spend.
    @param amount The new allowance; `max_value(uint256)` is never decreased.
    @return bool Always True.
    """
    self._approve(msg.sender, spender, amount)
    return True


@external
def mint(to: address, amount: uint256):
    """
    @notice Creates `amount` tokens for `to`. Anyone may call it: this is a test mock.
    @param to The receiver of the new tokens.
    @param amount The amount to create.
    """
    self._mint(to, amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    """
    @dev Overwrites the allowance and logs `Approval`.
    """
    self.allowance[owner][spender] = amount
    log Approval(owner=owner, spender=spender, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    """
    @dev Decreases the allowance by `amount` unless it is infinite. Callers check
         the allowance first with their own namespaced reason.
    """
    current: uint256 = self.allowance[owner][spender]
    if current == max_value(uint256):
        return
    assert current >= amount, "token_ledger: insufficient allowance"
    self._approve(owner, spender, current - amount)


@internal
def _move(owner: address, to: address, amount: uint256):
    """
    @dev Moves `amount` from `owner` to `to` and logs `Transfer`. Callers check
         the balance first with their own namespaced reason.
    """
    assert self.balanceOf[owner] >= amount, "token_ledger: insufficient balance"
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    log Transfer(sender=owner, receiver=to, value=amount)


@internal
def _mint(to: address, amount: uint256):
    """
    @dev Creates `amount` for `to` and logs a `Transfer` from the zero address.
    """
    self.totalSupply += amount
    self.balanceOf[to] += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@internal
def _burn(owner: address, amount: uint256):
    """
    @dev Destroys `amount` of `owner`'s tokens and logs a `Transfer` to the zero address.
    """
    assert self.balanceOf[owner] >= amount, "token_ledger: insufficient balance"
    self.balanceOf[owner] -= amount
    self.totalSupply -= amount
    log Transfer(sender=owner, receiver=empty(address), value=amount)
