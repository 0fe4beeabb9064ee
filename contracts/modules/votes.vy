# pragma version ~=0.4.3
"""
@title ERC-5805 votes for a snekmate ERC-20
@license MIT
@notice Delegated voting power with history, as OpenZeppelin's ERC20Votes keeps it,
        so OpenZeppelin's Governor (GovernorVotes) can count a Vyper token's votes.
        A holder's balance counts as votes only once delegated (to anyone, itself
        included); `delegateBySig` delegates with an EIP-712 signature over the
        token's own domain and nonces (the same ones `permit` uses, as in
        ERC20Votes). The clock is the block number (ERC-6372,
        "mode=blocknumber&from=default", OpenZeppelin's default).
        The token that `initializes` this module must call
        `_transfer_voting_units(sender, receiver, amount)` after every balance
        change: `sender` empty on a mint, `receiver` empty on a burn. snekmate's
        erc20 hooks cannot be overridden in Vyper 0.4, so the token wraps
        `erc20._transfer`/`_mint`/`_burn` and calls the hook itself.
@custom:security Checkpoints are (block number, votes) pairs packed into one slot,
                 appended at most once per account per block, so the gas of a
                 transfer does not grow with history (at most two delegates'
                 checkpoints and, on mint or burn, the supply's). Votes are kept in
                 208 bits: a mint that would take the supply above 2**208 - 1
                 reverts, which bounds every delegate's votes too. Lookups of the
                 current or a future block revert ("votes: future lookup"), since
                 this block's votes can still change; a Governor snapshots a past
                 block. Lookups are a binary search over an account's checkpoints,
                 O(log n) reads. A signature is bound to the delegator's nonce,
                 which `permit` shares, so each signature works once.
"""

from snekmate.tokens import erc20
from snekmate.utils import ecdsa
from snekmate.utils import message_hash_utils


# Reads balances (a delegator's voting units) and spends the nonces `permit` uses.
uses: erc20


# ERC-5805's EIP-712 type for `delegateBySig`, byte for byte OpenZeppelin's.
DELEGATION_TYPEHASH: constant(bytes32) = keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)")
# Votes and supply are stored in 208 bits beside a 48-bit block number (OpenZeppelin's Checkpoint208).
MAX_VOTES: constant(uint256) = 2**208 - 1
VOTES_MASK: constant(uint256) = 2**208 - 1
# A binary search over at most 2**64 checkpoints (one per block at most) ends within 64 halvings.
MAX_SEARCH: constant(uint256) = 64
# Where the total supply's checkpoints live (see `_checkpoints`).
SUPPLY: constant(address) = empty(address)


struct Checkpoint:
    fromBlock: uint48
    votes: uint208


# Who each account's voting units count for; empty = not delegated, counts for no one.
delegates: public(HashMap[address, address])
# Checkpoints, oldest first, each block(48) | votes(208) in one slot, so a push is one SSTORE. Delegating to the
# empty address means "nobody" and never checkpoints, so the empty address's slots hold the TOTAL SUPPLY's history
# (what `getPastTotalSupply`, the Governor's quorum, reads); the views answer 0 votes for the empty address.
_checkpoints: HashMap[address, HashMap[uint256, uint256]]
_checkpoint_count: HashMap[address, uint256]


# ERC-5805's events, exactly.
event DelegateChanged:
    delegator: indexed(address)
    fromDelegate: indexed(address)
    toDelegate: indexed(address)


event DelegateVotesChanged:
    delegate: indexed(address)
    previousVotes: uint256
    newVotes: uint256


@external
@nonreentrant
def delegate(delegatee: address):
    """
    @notice Count the caller's balance, now and after every transfer, as votes of
            `delegatee` (the caller itself to vote directly; empty to stop counting).
    @param delegatee Who receives the caller's votes.
    """
    self._delegate(msg.sender, delegatee)


@external
@nonreentrant
def delegateBySig(delegatee: address, nonce: uint256, expiry: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @notice `delegate` on behalf of the signer of an EIP-712 `Delegation(delegatee,
            nonce, expiry)` over this token's domain; the nonce is the signer's
            current `nonces` (shared with `permit`) and is spent.
    @param delegatee Who receives the signer's votes.
    @param nonce The signer's current nonce.
    @param expiry Last block timestamp at which the signature is accepted.
    @param v The secp256k1 signature's v.
    @param r The secp256k1 signature's r.
    @param s The secp256k1 signature's s.
    """
    assert block.timestamp <= expiry, "votes: signature expired"
    struct_hash: bytes32 = keccak256(abi_encode(DELEGATION_TYPEHASH, delegatee, nonce, expiry))
    digest: bytes32 = message_hash_utils._to_typed_data_hash(
        erc20.eip712_domain_separator._domain_separator_v4(), struct_hash
    )
    signer: address = ecdsa._recover_vrs(digest, convert(v, uint256), convert(r, uint256), convert(s, uint256))
    # snekmate's ecdsa refuses a malleable `s` and a signature that recovers to the zero address.
    assert nonce == erc20.nonces[signer], "votes: invalid nonce"
    # The nonce is below 2**256 - 1: it only ever grows by one per signature.
    erc20.nonces[signer] = unsafe_add(nonce, 1)
    self._delegate(signer, delegatee)


@external
@view
def clock() -> uint48:
    """
    @notice ERC-6372: the current timepoint, the block number.
    @return The block number.
    """
    return self._clock()


@external
@pure
def CLOCK_MODE() -> String[32]:
    """
    @notice ERC-6372: how `clock` counts (block numbers, OpenZeppelin's default).
    @return "mode=blocknumber&from=default".
    """
    return "mode=blocknumber&from=default"


@external
@view
def getVotes(account: address) -> uint256:
    """
    @notice The votes delegated to `account` now.
    @param account A delegate.
    @return Its current votes.
    """
    if account == SUPPLY:
        return 0
    return self._latest(account)


@external
@view
def getPastVotes(account: address, timepoint: uint256) -> uint256:
    """
    @notice The votes delegated to `account` at the end of block `timepoint`.
    @dev Reverts for the current block or later ("votes: future lookup").
    @param account A delegate.
    @param timepoint A past block number.
    @return Its votes then.
    """
    self._check_past(timepoint)
    if account == SUPPLY:
        return 0
    return self._lookup(account, timepoint)


@external
@view
def getPastTotalSupply(timepoint: uint256) -> uint256:
    """
    @notice The total supply at the end of block `timepoint` (delegated or not).
    @dev Reverts for the current block or later ("votes: future lookup").
    @param timepoint A past block number.
    @return The supply then.
    """
    self._check_past(timepoint)
    return self._lookup(SUPPLY, timepoint)


@external
@view
def numCheckpoints(account: address) -> uint32:
    """
    @notice How many checkpoints `account`'s votes have (OpenZeppelin's ERC20Votes view).
    @param account A delegate.
    @return The count.
    """
    if account == SUPPLY:
        return 0
    return convert(self._checkpoint_count[account], uint32)


@external
@view
def checkpoints(account: address, pos: uint32) -> Checkpoint:
    """
    @notice `account`'s checkpoint number `pos` (0 = oldest): from which block it held how many votes.
    @param account A delegate.
    @param pos The checkpoint's index.
    @return (block number, votes).
    """
    assert account != SUPPLY and convert(pos, uint256) < self._checkpoint_count[account], "votes: no such checkpoint"
    packed: uint256 = self._checkpoints[account][convert(pos, uint256)]
    return Checkpoint(fromBlock=convert(packed >> 208, uint48), votes=convert(packed & VOTES_MASK, uint208))


@internal
def _transfer_voting_units(sender: address, receiver: address, amount: uint256):
    """
    @dev The token's hook after every balance change: moves `amount` of votes from
         `sender`'s delegate to `receiver`'s, and checkpoints the supply on a mint
         (`sender` empty) or a burn (`receiver` empty).
    @param sender Whose balance fell; empty on a mint.
    @param receiver Whose balance rose; empty on a burn.
    @param amount The balance moved.
    """
    if sender == empty(address):
        supply: uint256 = self._latest(SUPPLY) + amount
        assert supply <= MAX_VOTES, "votes: supply exceeds 2**208 - 1"
        self._push(SUPPLY, supply)
    if receiver == empty(address):
        # The token burned `amount` out of the supply: no underflow.
        self._push(SUPPLY, self._latest(SUPPLY) - amount)
    self._move_delegate_votes(self.delegates[sender], self.delegates[receiver], amount)


@internal
def _delegate(account: address, delegatee: address):
    old: address = self.delegates[account]
    self.delegates[account] = delegatee
    log DelegateChanged(delegator=account, fromDelegate=old, toDelegate=delegatee)
    self._move_delegate_votes(old, delegatee, erc20.balanceOf[account])


@internal
def _move_delegate_votes(source: address, destination: address, amount: uint256):
    # Empty stands for "nobody": the undelegated share of the supply has no checkpoints (and the empty address's
    # slots are the supply's). Mint and burn reach here with an empty side only through `delegates[empty]`, which
    # no one can set (the zero address sends no transaction and signs nothing).
    if source == destination or amount == 0:
        return
    if source != empty(address):
        before: uint256 = self._latest(source)
        # A delegate's votes are the sum of its delegators' balances, which include the one moving `amount`.
        after: uint256 = before - amount
        self._push(source, after)
        log DelegateVotesChanged(delegate=source, previousVotes=before, newVotes=after)
    if destination != empty(address):
        before: uint256 = self._latest(destination)
        # Bounded by the supply, which every mint checks against 2**208 - 1.
        after: uint256 = before + amount
        self._push(destination, after)
        log DelegateVotesChanged(delegate=destination, previousVotes=before, newVotes=after)


@internal
@view
def _clock() -> uint48:
    # Block numbers fit 48 bits for millions of years; `convert` reverts rather than wrap if not.
    return convert(block.number, uint48)


@internal
@view
def _check_past(timepoint: uint256):
    # This block's votes can still change, so only finished blocks answer (OpenZeppelin's ERC5805FutureLookup).
    assert timepoint < convert(self._clock(), uint256), "votes: future lookup"


@internal
@view
def _latest(account: address) -> uint256:
    count: uint256 = self._checkpoint_count[account]
    if count == 0:
        return 0
    return self._checkpoints[account][unsafe_sub(count, 1)] & VOTES_MASK


@internal
def _push(account: address, votes: uint256):
    # One checkpoint per block: a second change in the same block rewrites the last one, so history stays one slot
    # per block and a lookup of a finished block sees its final value.
    now: uint256 = convert(self._clock(), uint256)
    count: uint256 = self._checkpoint_count[account]
    packed: uint256 = (now << 208) | votes
    if count > 0 and self._checkpoints[account][unsafe_sub(count, 1)] >> 208 == now:
        self._checkpoints[account][unsafe_sub(count, 1)] = packed
        return
    self._checkpoints[account][count] = packed
    self._checkpoint_count[account] = unsafe_add(count, 1)


@internal
@view
def _lookup(account: address, timepoint: uint256) -> uint256:
    """
    @dev The value of the last checkpoint at or before block `timepoint` (0 if none),
         OpenZeppelin's `upperLookupRecent`: recent blocks (a Governor's snapshot is
         usually recent) are found after probing at `count - sqrt(count)`.
    """
    high: uint256 = self._checkpoint_count[account]
    low: uint256 = 0
    if high > 5:
        mid: uint256 = high - isqrt(high)
        if timepoint < self._checkpoints[account][mid] >> 208:
            high = mid
        else:
            low = mid + 1
    # Invariant: checkpoints below `low` are at or before `timepoint`, those from `high` on are after it.
    for _: uint256 in range(MAX_SEARCH):
        if low >= high:
            break
        mid: uint256 = unsafe_add(low, high) // 2
        if self._checkpoints[account][mid] >> 208 > timepoint:
            high = mid
        else:
            low = mid + 1
    if high == 0:
        return 0
    return self._checkpoints[account][unsafe_sub(high, 1)] & VOTES_MASK
