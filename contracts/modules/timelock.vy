# pragma version 0.4.3
"""
@title Timelock
@license MIT
@notice A module that delays risk-increasing changes: the host contract queues
        a change (`_queue`), anyone can see exactly what it will do from the
        `ChangeQueued` event, and the host may apply it (`_execute`) only after
        `delay` seconds and before the change expires `GRACE_PERIOD` later.
        The host may `_cancel` a queued change at any time. A change is an
        `action` name chosen by the host plus an ABI-encoded `payload` of its
        typed arguments; its id is `keccak256(abi_encode(action, payload))`.
        The host decides who may queue, execute and cancel.
@custom:security The id commits to the action and to every argument, so what
                 executes is byte for byte what was announced. `abi_encode`
                 (not `concat`) keeps ids unambiguous across actions of
                 different lengths. `queued_count` counts changes that are
                 queued and not yet executed, cancelled or discarded; an
                 expired change keeps counting until someone calls
                 `discard_expired`, which anyone may do. `delay` is fixed at
                 deployment. Timestamps are `block.timestamp`, which a block
                 producer can shift by seconds, not days.
"""


MIN_DELAY: public(constant(uint256)) = 86_400  # 1 day: long enough for holders to see a change and leave
MAX_DELAY: public(constant(uint256)) = 30 * 86_400  # 30 days: a longer delay would freeze every fix
# A queued change must be executed within this window after its eta, so an
# old, forgotten proposal cannot be applied months later by surprise.
GRACE_PERIOD: public(constant(uint256)) = 14 * 86_400

MAX_ACTION_LENGTH: constant(uint256) = 32
MAX_PAYLOAD_LENGTH: constant(uint256) = 1024


# Seconds between queueing a change and the earliest time it can be executed.
delay: public(uint256)

# change id -> earliest execution time; 0 means not queued (never queued,
# executed, cancelled or discarded). A real eta is never 0 (it is now + delay).
eta: public(HashMap[bytes32, uint256])

# Changes waiting for execution. Kept as a counter so a host can tell in one
# read whether anything is pending (the vault makes redeeming fee-free then).
queued_count: public(uint256)


event ChangeQueued:
    id: indexed(bytes32)
    action: String[MAX_ACTION_LENGTH]
    payload: Bytes[MAX_PAYLOAD_LENGTH]
    eta: uint256

event ChangeExecuted:
    id: indexed(bytes32)
    action: String[MAX_ACTION_LENGTH]

event ChangeCancelled:
    id: indexed(bytes32)

event ChangeDiscarded:
    id: indexed(bytes32)


@deploy
def __init__(delay: uint256):
    """
    @notice Set the delay between queueing and executing a change.
    @param delay Seconds, between MIN_DELAY (1 day) and MAX_DELAY (30 days).
    """
    assert delay >= MIN_DELAY, "timelock: delay below minimum"
    assert delay <= MAX_DELAY, "timelock: delay above maximum"
    self.delay = delay


@external
@pure
def change_id(action: String[MAX_ACTION_LENGTH], payload: Bytes[MAX_PAYLOAD_LENGTH]) -> bytes32:
    """
    @notice The id under which a change is queued, for scripts and Safe users
            who want to look up its eta or cancel it.
    @param action The host's action name, e.g. "set_feed".
    @param payload The ABI-encoded arguments of the action.
    @return bytes32 keccak256(abi_encode(action, payload)).
    """
    return self._change_id(action, payload)


@external
def discard_expired(id: bytes32):
    """
    @notice Forget a change whose execution window has passed. Anyone may call
            it: an expired change can never execute, and leaving it queued would
            keep `queued_count` (and whatever the host ties to it) raised.
    @param id The change id.
    """
    eta: uint256 = self.eta[id]
    assert eta != 0, "timelock: not queued"
    assert block.timestamp > eta + GRACE_PERIOD, "timelock: not expired"
    self._clear(id)
    log ChangeDiscarded(id=id)


@internal
def _queue(action: String[MAX_ACTION_LENGTH], payload: Bytes[MAX_PAYLOAD_LENGTH]) -> bytes32:
    """
    @dev Queue a change; it can be executed from now + delay until
         now + delay + GRACE_PERIOD. The same change cannot be queued twice.
    @return bytes32 The change id.
    """
    id: bytes32 = self._change_id(action, payload)
    assert self.eta[id] == 0, "timelock: already queued"
    eta: uint256 = block.timestamp + self.delay
    self.eta[id] = eta
    self.queued_count += 1
    log ChangeQueued(id=id, action=action, payload=payload, eta=eta)
    return id


@internal
def _execute(action: String[MAX_ACTION_LENGTH], payload: Bytes[MAX_PAYLOAD_LENGTH]) -> bytes32:
    """
    @dev Check that the change is queued and inside its window, then forget it.
         The host applies the change after this returns.
    @return bytes32 The change id.
    """
    id: bytes32 = self._change_id(action, payload)
    eta: uint256 = self.eta[id]
    assert eta != 0, "timelock: not queued"
    assert block.timestamp >= eta, "timelock: too early"
    assert block.timestamp <= eta + GRACE_PERIOD, "timelock: expired"
    self._clear(id)
    log ChangeExecuted(id=id, action=action)
    return id


@internal
def _cancel(id: bytes32):
    """
    @dev Forget a queued change (expired or not). The host checks who may.
    """
    assert self.eta[id] != 0, "timelock: not queued"
    self._clear(id)
    log ChangeCancelled(id=id)


@internal
def _clear(id: bytes32):
    self.eta[id] = 0
    # unsafe: the entry was queued, so it was counted and queued_count >= 1.
    self.queued_count = unsafe_sub(self.queued_count, 1)


@internal
@pure
def _change_id(action: String[MAX_ACTION_LENGTH], payload: Bytes[MAX_PAYLOAD_LENGTH]) -> bytes32:
    return keccak256(abi_encode(action, payload))
