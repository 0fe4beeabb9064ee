# pragma version 0.4.3
"""
@title Batch Caller
@license MIT
@notice TEST MOCK: makes several calls in one transaction, so tests can put two
        actions in the same block (ape's test chain mines one block per transaction).
"""


@external
def execute(targets: DynArray[address, 8], calls: DynArray[Bytes[1024], 8]):
    """
    @notice Call `targets[i]` with `calls[i]` in order; any revert bubbles up.
    """
    assert len(targets) == len(calls), "batch_caller: length mismatch"
    for i: uint256 in range(len(targets), bound=8):
        raw_call(targets[i], calls[i])
