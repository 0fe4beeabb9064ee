# pragma version 0.4.3
"""
@title Fake Oracle
@license MIT
@notice TEST MOCK, never deploy to a live chain. What a stranger can hand a
        vault of a permissionless factory as its oracle: the `OracleRouter`
        reads, answering whatever prices its owner sets, at once and without a
        timelock. A keeper must let such an oracle move only the breaker of the
        vault that uses it.
"""

from ..interfaces import IOracleRouter


implements: IOracleRouter


MAX_TOKENS: constant(uint256) = 32


owner: public(immutable(address))
# 18-decimal USD per whole token, and each token's decimals; 0 = no price (refused).
fake_price: public(HashMap[address, uint256])
token_decimals: public(HashMap[address, uint8])


@deploy
def __init__():
    owner = msg.sender


@external
def set_price(token: address, price: uint256, decimals: uint8):
    """
    @notice Answer `price` (18-decimal USD per whole token) for `token` from now on.
    @param token The token.
    @param price Its price; 0 makes the oracle refuse it.
    @param decimals The token's decimals, for `values`.
    """
    assert msg.sender == owner, "fake_oracle: not owner"
    self.fake_price[token] = price
    self.token_decimals[token] = decimals


@external
@view
def price(token: address) -> uint256:
    return self._price(token)


@external
@view
def prices(tokens: DynArray[address, MAX_TOKENS]) -> DynArray[uint256, MAX_TOKENS]:
    out: DynArray[uint256, MAX_TOKENS] = []
    for token: address in tokens:
        out.append(self._price(token))
    return out


@external
@view
def values(tokens: DynArray[address, MAX_TOKENS], amounts: DynArray[uint256, MAX_TOKENS]) -> DynArray[uint256, MAX_TOKENS]:
    assert len(tokens) == len(amounts), "fake_oracle: length mismatch"
    out: DynArray[uint256, MAX_TOKENS] = []
    for i: uint256 in range(len(tokens), bound=MAX_TOKENS):
        out.append(amounts[i] * self._price(tokens[i]) // 10 ** convert(self.token_decimals[tokens[i]], uint256))
    return out


@external
@view
def feed_config(token: address) -> IOracleRouter.FeedConfig:
    # The feed is this contract: anything non-zero says "priced" to a policy that checks.
    return IOracleRouter.FeedConfig(
        feed=self, heartbeat=86_400, min_price=0, max_price=max_value(uint256),
        token_decimals=self.token_decimals[token], feed_decimals=18,
    )


@external
@view
def queued_count() -> uint256:
    return 0


@internal
@view
def _price(token: address) -> uint256:
    price: uint256 = self.fake_price[token]
    assert price != 0, "fake_oracle: no price"
    return price
