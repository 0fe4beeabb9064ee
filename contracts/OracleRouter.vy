# pragma version 0.4.3
"""
@title Oracle Router
@license MIT
@notice USD prices for the vault and the keeper. Each token has one Chainlink
        `AggregatorV3Interface` feed; `price(token)` is the USD value of ONE
        WHOLE token with 18 decimals, `value(token, amount)` the USD value
        (18 decimals) of `amount` of the token's smallest unit. Governance
        (two-step transfer) configures feeds: setting or replacing a feed,
        widening a price band and changing the L2 sequencer feed wait for the
        timelock (propose -> delay -> execute, cancellable); removing a feed
        and tightening a band take effect at once.
@custom:security A price is refused, each with its own reason, when the feed
                 round is incomplete, older than the feed's heartbeat,
                 non-positive, or outside the governance band [min_price,
                 max_price]; and, when a sequencer uptime feed is set, while
                 the L2 sequencer is down or back up for less than the grace
                 period. Refusing is the safe failure: the vault stops minting
                 and rebalancing, redeeming needs no price. `value` rounds
                 down. Token and feed decimals are read once, when the feed is
                 set; a token whose `decimals()` later changes must have its
                 feed set again. Feeds of at most 18 decimals and tokens of at
                 most 24 decimals are supported; prices are capped below 2**128.
@custom:kill Governance can `remove_feed` (every read of that token reverts)
             or `tighten_band` (down to a single price) immediately.
"""

from snekmate.utils import math

from .interfaces import IAggregatorV3
from .modules import timelock


initializes: timelock


# The timelock's state and rules, for governance tooling: when a change can be
# executed, whether anything is pending, the id of a change, and discarding an
# expired change (open to anyone).
exports: (
    timelock.delay,
    timelock.eta,
    timelock.queued_count,
    timelock.change_id,
    timelock.discard_expired,
    timelock.MIN_DELAY,
    timelock.MAX_DELAY,
    timelock.GRACE_PERIOD,
)


MAX_TOKENS: constant(uint256) = 32  # the vault's MAX_COMPONENTS
PRICE_DECIMALS: constant(uint8) = 18
MAX_FEED_DECIMALS: constant(uint8) = 18  # scaling only ever multiplies, so no precision is lost
MAX_TOKEN_DECIMALS: constant(uint8) = 24
# Prices (18 decimals) fit in 128 bits, so two band limits share a slot and
# answer * 10**(18 - feed decimals) cannot overflow once below max_price.
MAX_PRICE: constant(uint256) = 2**128 - 1
# A heartbeat longer than a week would make the staleness check meaningless.
MAX_HEARTBEAT: constant(uint256) = 7 * 86_400
# Longer than a day after an outage would keep the vault shut for no gain.
MAX_SEQUENCER_GRACE_PERIOD: constant(uint256) = 86_400

# Timelock action names; a payload is the ABI encoding of the execute function's arguments.
ACTION_SET_FEED: constant(String[32]) = "set_feed"
ACTION_SET_SEQUENCER: constant(String[32]) = "set_sequencer"

ADDRESS_MASK: constant(uint256) = 2**160 - 1
HEARTBEAT_MASK: constant(uint256) = 2**32 - 1
DECIMALS_MASK: constant(uint256) = 2**8 - 1
HALF_MASK: constant(uint256) = 2**128 - 1


struct FeedConfig:
    feed: address
    heartbeat: uint256
    min_price: uint256
    max_price: uint256
    token_decimals: uint8
    feed_decimals: uint8


# token -> feed_decimals(8) | token_decimals(8) | heartbeat(32) | feed(160); 0 = no feed.
# Everything needed to read and scale a price in one slot.
_feeds: HashMap[address, uint256]

# token -> max_price(128) | min_price(128), 18-decimal USD per whole token.
_bands: HashMap[address, uint256]

# grace_period(32) | sequencer_feed(160); feed 0 = no sequencer check (L1).
# One slot, because every price read needs both.
_sequencer: uint256

governance: public(address)
pending_governance: public(address)


event FeedSet:
    token: indexed(address)
    feed: indexed(address)
    heartbeat: uint256
    min_price: uint256
    max_price: uint256
    token_decimals: uint8
    feed_decimals: uint8

event FeedRemoved:
    token: indexed(address)
    feed: indexed(address)

event BandTightened:
    token: indexed(address)
    min_price: uint256
    max_price: uint256

event SequencerSet:
    sequencer_feed: indexed(address)
    grace_period: uint256

event GovernanceTransferStarted:
    governance: indexed(address)
    pending_governance: indexed(address)

event GovernanceTransferred:
    previous_governance: indexed(address)
    governance: indexed(address)


@deploy
def __init__(governance: address, timelock_delay: uint256, sequencer_feed: address, sequencer_grace_period: uint256):
    """
    @notice Create the router with no feeds.
    @param governance Who configures feeds (a DAO's executor, a multisig).
    @param timelock_delay Seconds between proposing and executing a feed or
           sequencer change, 1 to 30 days.
    @param sequencer_feed Chainlink L2 sequencer uptime feed, or the zero
           address on L1 (no sequencer check).
    @param sequencer_grace_period Seconds after the sequencer comes back up
           during which prices are still refused (1 s to 1 day; Chainlink's
           example uses 3600). Ignored without a sequencer feed.
    """
    assert governance != empty(address), "oracle_router: zero governance"
    self._check_sequencer_config(sequencer_feed, sequencer_grace_period)
    timelock.__init__(timelock_delay)
    self.governance = governance
    log GovernanceTransferred(previous_governance=empty(address), governance=governance)
    self._store_sequencer(sequencer_feed, sequencer_grace_period)


@external
@view
def price(token: address) -> uint256:
    """
    @notice USD price of one whole `token`, 18 decimals.
    @dev Reverts with the reason of the first failed check: sequencer down or in
         grace, no feed, incomplete round, stale price, non-positive answer,
         answer out of band.
    @param token The token.
    @return uint256 USD per whole token, 18 decimals.
    """
    self._check_sequencer()
    p: uint256 = 0
    token_decimals: uint8 = 0
    p, token_decimals = self._price(token)
    return p


@external
@view
def value(token: address, amount: uint256) -> uint256:
    """
    @notice USD value of `amount` of `token`'s smallest unit, 18 decimals,
            rounded down: amount * price / 10**token_decimals.
    @dev Same checks as `price`; reverts if the value does not fit in uint256.
    @param token The token.
    @param amount Amount in the token's own smallest unit.
    @return uint256 USD value, 18 decimals.
    """
    self._check_sequencer()
    return self._value(token, amount)


@external
@view
def prices(tokens: DynArray[address, MAX_TOKENS]) -> DynArray[uint256, MAX_TOKENS]:
    """
    @notice `price` of each token, in order, in one call (the vault's NAV and
            the keeper's read); reverts if any one of them would.
    @param tokens Up to 32 tokens.
    @return DynArray[uint256, 32] USD per whole token, 18 decimals each.
    """
    self._check_sequencer()
    result: DynArray[uint256, MAX_TOKENS] = []
    p: uint256 = 0
    token_decimals: uint8 = 0
    for token: address in tokens:
        p, token_decimals = self._price(token)
        result.append(p)
    return result


@external
@view
def values(
    tokens: DynArray[address, MAX_TOKENS], amounts: DynArray[uint256, MAX_TOKENS]
) -> DynArray[uint256, MAX_TOKENS]:
    """
    @notice `value(tokens[i], amounts[i])` for each i, in one call (the vault's
            NAV and trade checks); reverts if any one of them would.
    @param tokens Up to 32 tokens.
    @param amounts An amount of each token, in its own smallest unit.
    @return DynArray[uint256, 32] USD values, 18 decimals, each rounded down.
    """
    assert len(amounts) == len(tokens), "oracle_router: length mismatch"
    self._check_sequencer()
    result: DynArray[uint256, MAX_TOKENS] = []
    for i: uint256 in range(len(tokens), bound=MAX_TOKENS):
        result.append(self._value(tokens[i], amounts[i]))
    return result


@external
@view
def feed_config(token: address) -> FeedConfig:
    """
    @notice The configuration of `token`'s feed; all zero when it has none.
    @param token The token.
    @return FeedConfig (feed, heartbeat, min_price, max_price, token_decimals, feed_decimals).
    """
    packed: uint256 = self._feeds[token]
    band: uint256 = self._bands[token]
    return FeedConfig(
        feed=self._address(packed),
        heartbeat=(packed >> 160) & HEARTBEAT_MASK,
        min_price=band & HALF_MASK,
        max_price=band >> 128,
        token_decimals=convert((packed >> 192) & DECIMALS_MASK, uint8),
        feed_decimals=convert(packed >> 200, uint8),
    )


@external
@view
def sequencer_feed() -> address:
    """
    @notice The L2 sequencer uptime feed; zero when there is no sequencer check.
    """
    return self._address(self._sequencer)


@external
@view
def sequencer_grace_period() -> uint256:
    """
    @notice Seconds after the sequencer comes back up during which prices are refused.
    """
    return self._sequencer >> 160


@external
def propose_feed(token: address, feed: address, heartbeat: uint256, min_price: uint256, max_price: uint256) -> bytes32:
    """
    @notice Queue setting (or replacing) `token`'s feed, heartbeat and price
            band; also the way to widen a band. Executable with the same
            arguments after the timelock delay. Governance only.
    @dev Checked now, so a change that could never execute is refused at once,
         and checked again at execution.
    @param token The priced token; must have `decimals()` <= 24.
    @param feed A Chainlink AggregatorV3 feed in USD with <= 18 decimals.
    @param heartbeat Maximum age of an answer in seconds (1 s to 7 days);
           the feed's own heartbeat, plus a margin for update latency.
    @param min_price Lowest accepted price, USD per whole token, 18 decimals.
    @param max_price Highest accepted price, USD per whole token, 18 decimals.
    @return bytes32 The change id (for `eta` and `cancel`).
    """
    self._check_governance()
    self._check_feed_config(token, feed, heartbeat, min_price, max_price)
    return timelock._queue(ACTION_SET_FEED, abi_encode(token, feed, heartbeat, min_price, max_price))


@external
def execute_feed(token: address, feed: address, heartbeat: uint256, min_price: uint256, max_price: uint256):
    """
    @notice Apply a feed change queued by `propose_feed` with these exact
            arguments, once its delay has passed and before it expires.
            Governance only. Reads and stores the token's and feed's decimals.
    @param token As proposed.
    @param feed As proposed.
    @param heartbeat As proposed.
    @param min_price As proposed.
    @param max_price As proposed.
    """
    self._check_governance()
    timelock._execute(ACTION_SET_FEED, abi_encode(token, feed, heartbeat, min_price, max_price))
    token_decimals: uint8 = 0
    feed_decimals: uint8 = 0
    token_decimals, feed_decimals = self._check_feed_config(token, feed, heartbeat, min_price, max_price)
    self._feeds[token] = (
        (convert(feed_decimals, uint256) << 200)
        | (convert(token_decimals, uint256) << 192)
        | (heartbeat << 160)
        | convert(feed, uint256)
    )
    self._bands[token] = (max_price << 128) | min_price
    log FeedSet(
        token=token,
        feed=feed,
        heartbeat=heartbeat,
        min_price=min_price,
        max_price=max_price,
        token_decimals=token_decimals,
        feed_decimals=feed_decimals,
    )


@external
def propose_sequencer(sequencer_feed: address, grace_period: uint256) -> bytes32:
    """
    @notice Queue setting, replacing or (with the zero address) removing the L2
            sequencer uptime feed and its grace period. Governance only.
    @param sequencer_feed Chainlink sequencer uptime feed, or zero for none.
    @param grace_period Seconds after the sequencer comes back up during which
           prices are refused (1 s to 1 day); ignored without a feed.
    @return bytes32 The change id.
    """
    self._check_governance()
    self._check_sequencer_config(sequencer_feed, grace_period)
    return timelock._queue(ACTION_SET_SEQUENCER, abi_encode(sequencer_feed, grace_period))


@external
def execute_sequencer(sequencer_feed: address, grace_period: uint256):
    """
    @notice Apply a sequencer change queued by `propose_sequencer` with these
            exact arguments. Governance only.
    @param sequencer_feed As proposed.
    @param grace_period As proposed.
    """
    self._check_governance()
    timelock._execute(ACTION_SET_SEQUENCER, abi_encode(sequencer_feed, grace_period))
    self._check_sequencer_config(sequencer_feed, grace_period)
    self._store_sequencer(sequencer_feed, grace_period)


@external
def cancel(id: bytes32):
    """
    @notice Drop a queued change (expired or not). Governance only.
    @param id The change id returned by the propose function.
    """
    self._check_governance()
    timelock._cancel(id)


@external
def remove_feed(token: address):
    """
    @notice Remove `token`'s feed at once: every price read of it reverts with
            "no feed" until a new feed is executed. Governance only. A pending
            `propose_feed` for the token stays queued; cancel it if unwanted.
    @param token The token.
    """
    self._check_governance()
    packed: uint256 = self._feeds[token]
    assert packed != 0, "oracle_router: no feed"
    self._feeds[token] = 0
    self._bands[token] = 0
    log FeedRemoved(token=token, feed=self._address(packed))


@external
def tighten_band(token: address, min_price: uint256, max_price: uint256):
    """
    @notice Narrow `token`'s accepted price band at once; the new band must lie
            within the current one (widening goes through `propose_feed`).
            Governance only.
    @param token The token.
    @param min_price New lowest accepted price, >= the current one.
    @param max_price New highest accepted price, <= the current one.
    """
    self._check_governance()
    assert self._feeds[token] != 0, "oracle_router: no feed"
    assert min_price <= max_price, "oracle_router: min price above max price"
    band: uint256 = self._bands[token]
    assert min_price >= band & HALF_MASK and max_price <= band >> 128, "oracle_router: band not tighter"
    # max_price <= current max < 2**128, so the packing cannot spill.
    self._bands[token] = (max_price << 128) | min_price
    log BandTightened(token=token, min_price=min_price, max_price=max_price)


@external
def transfer_governance(new_governance: address):
    """
    @notice Start handing governance to `new_governance`, who must call
            `accept_governance`. Zero cancels a pending transfer. Governance only.
    @param new_governance The proposed governance.
    """
    self._check_governance()
    self.pending_governance = new_governance
    log GovernanceTransferStarted(governance=msg.sender, pending_governance=new_governance)


@external
def accept_governance():
    """
    @notice Complete a governance transfer. Pending governance only.
    """
    assert msg.sender == self.pending_governance, "oracle_router: not pending governance"
    previous: address = self.governance
    self.governance = msg.sender
    self.pending_governance = empty(address)
    log GovernanceTransferred(previous_governance=previous, governance=msg.sender)


@internal
@view
def _price(token: address) -> (uint256, uint8):
    """
    @dev The checked 18-decimal price of one whole token, and the token's decimals.
    """
    packed: uint256 = self._feeds[token]
    assert packed != 0, "oracle_router: no feed"
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(
        self._address(packed)
    ).latestRoundData()
    assert updated_at != 0 and answered_in_round >= round_id, "oracle_router: incomplete round"
    assert updated_at + ((packed >> 160) & HEARTBEAT_MASK) >= block.timestamp, "oracle_router: stale price"
    assert answer > 0, "oracle_router: non-positive answer"

    band: uint256 = self._bands[token]
    max_price: uint256 = band >> 128
    raw: uint256 = convert(answer, uint256)
    # Scaling only multiplies (feed decimals <= 18), so a raw answer above
    # max_price is out of band whatever the scale; checking it first also bounds
    # raw below 2**128, which keeps the multiplication below.
    assert raw <= max_price, "oracle_router: answer out of band"
    # unsafe: raw < 2**128 and the scale is at most 10**18 < 2**60.
    p: uint256 = unsafe_mul(raw, 10 ** (convert(PRICE_DECIMALS - convert(packed >> 200, uint8), uint256)))
    assert p >= band & HALF_MASK and p <= max_price, "oracle_router: answer out of band"
    return p, convert((packed >> 192) & DECIMALS_MASK, uint8)


@internal
@view
def _value(token: address, amount: uint256) -> uint256:
    """
    @dev amount * price / 10**token_decimals, the sequencer already checked.
    """
    p: uint256 = 0
    token_decimals: uint8 = 0
    p, token_decimals = self._price(token)
    # Round down: a value used to bound a trade or a NAV must never be overstated.
    return math._mul_div(amount, p, 10 ** convert(token_decimals, uint256), False)


@internal
@view
def _check_sequencer():
    """
    @dev On an L2, refuse prices while the sequencer is down and for the grace
         period after it comes back: feeds could not update meanwhile, and only
         users able to post through L1 could have acted on stale prices.
    """
    packed: uint256 = self._sequencer
    feed: address = self._address(packed)
    if feed == empty(address):
        return
    answer: int256 = 0
    started_at: uint256 = 0
    round_id: uint80 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(feed).latestRoundData()
    # Chainlink convention: 0 = up, 1 = down; anything else is not "up" either.
    assert answer == 0, "oracle_router: sequencer down"
    # Chainlink: startedAt is 0 for an invalid round (an uninitialised feed on Arbitrum).
    assert started_at != 0, "oracle_router: sequencer status unknown"
    assert block.timestamp > started_at + (packed >> 160), "oracle_router: sequencer grace period"


@internal
@view
def _check_feed_config(
    token: address, feed: address, heartbeat: uint256, min_price: uint256, max_price: uint256
) -> (uint8, uint8):
    """
    @dev Validate a feed configuration and return (token decimals, feed decimals).
    """
    assert token != empty(address), "oracle_router: zero token"
    assert feed != empty(address), "oracle_router: zero feed"
    assert token.is_contract, "oracle_router: token is not a contract"
    assert feed.is_contract, "oracle_router: feed is not a contract"
    assert heartbeat != 0, "oracle_router: zero heartbeat"
    assert heartbeat <= MAX_HEARTBEAT, "oracle_router: heartbeat above maximum"
    assert max_price != 0, "oracle_router: zero max price"
    assert max_price <= MAX_PRICE, "oracle_router: max price too large"
    assert min_price <= max_price, "oracle_router: min price above max price"

    feed_decimals: uint8 = staticcall IAggregatorV3(feed).decimals()
    assert feed_decimals <= MAX_FEED_DECIMALS, "oracle_router: feed decimals above 18"

    # decimals() is optional in ERC-20: call it raw so a token without it gets
    # a clear reason instead of an empty revert.
    success: bool = False
    response: Bytes[32] = b""
    success, response = raw_call(
        token, method_id("decimals()"), max_outsize=32, is_static_call=True, revert_on_failure=False
    )
    assert success and len(response) == 32, "oracle_router: token has no decimals"
    token_decimals: uint256 = convert(response, uint256)
    assert token_decimals <= convert(MAX_TOKEN_DECIMALS, uint256), "oracle_router: token decimals above 24"
    return convert(token_decimals, uint8), feed_decimals


@internal
@view
def _check_sequencer_config(sequencer_feed: address, grace_period: uint256):
    if sequencer_feed == empty(address):
        return
    assert sequencer_feed.is_contract, "oracle_router: sequencer feed is not a contract"
    assert grace_period != 0, "oracle_router: zero grace period"
    assert grace_period <= MAX_SEQUENCER_GRACE_PERIOD, "oracle_router: grace period above maximum"


@internal
def _store_sequencer(sequencer_feed: address, grace_period: uint256):
    # Without a feed the grace period means nothing: store 0 so views do not suggest a check.
    stored_grace: uint256 = grace_period if sequencer_feed != empty(address) else 0
    self._sequencer = (stored_grace << 160) | convert(sequencer_feed, uint256)
    log SequencerSet(sequencer_feed=sequencer_feed, grace_period=stored_grace)


@internal
@view
def _check_governance():
    assert msg.sender == self.governance, "oracle_router: not governance"


@internal
@pure
def _address(packed: uint256) -> address:
    return convert(convert(packed & ADDRESS_MASK, uint160), address)
