# pragma version 0.4.3
"""
@title Timelock Host
@license MIT
@notice TEST MOCK, never deploy to a live chain: anyone can queue, execute and
        cancel. Exposes the timelock module's internal functions with raw
        action names and payloads, so the module is tested on its own, apart
        from any host's typed propose/execute functions. Has no `decimals()`,
        which makes it a handy "contract that is not an ERC-20".
"""

from ..modules import timelock


initializes: timelock


# The module's whole public surface, as a real host exports it.
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


# Number of changes applied, so a test can see that execute ran.
executed_count: public(uint256)


@deploy
def __init__(delay: uint256):
    """
    @param delay The timelock delay in seconds.
    """
    timelock.__init__(delay)


@external
def queue(action: String[32], payload: Bytes[1024]) -> bytes32:
    """
    @notice Queue a change. Open to anyone (test only).
    @param action The action name.
    @param payload The ABI-encoded arguments.
    @return bytes32 The change id.
    """
    return timelock._queue(action, payload)


@external
def execute(action: String[32], payload: Bytes[1024]) -> bytes32:
    """
    @notice Execute a queued change. Open to anyone (test only).
    @param action The action name.
    @param payload The ABI-encoded arguments.
    @return bytes32 The change id.
    """
    id: bytes32 = timelock._execute(action, payload)
    self.executed_count += 1
    return id


@external
def cancel(id: bytes32):
    """
    @notice Cancel a queued change. Open to anyone (test only).
    @param id The change id.
    """
    timelock._cancel(id)
