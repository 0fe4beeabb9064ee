# pragma version 0.4.3
"""
@title Mock Chainlink Aggregator
@license MIT
@notice TEST MOCK, never deploy to a live chain: anyone can set its answer.
        A Chainlink-style feed with any decimals that keeps every round, so
        `getRoundData` returns price history the way a real aggregator does.
        `set_answer` publishes a fresh, complete round; `set_round` writes any
        round (stale, incomplete, from the future) for failure-mode tests, and
        doubles as an L2 sequencer uptime feed (answer 0 = up, 1 = down,
        startedAt = when the status last changed).
@custom:security No access control on purpose. `getRoundData` of a round never
                 written reverts with "No data present"-style reason, like
                 Chainlink's aggregators.
"""

from ..interfaces import IAggregatorV3


implements: IAggregatorV3


VERSION: constant(uint256) = 4  # what Chainlink's current (OCR) aggregators report


struct Round:
    answer: int256
    started_at: uint256
    updated_at: uint256
    answered_in_round: uint80


decimals: public(uint8)
description: public(String[64])

# The round `latestRoundData` reports.
latest_round: public(uint80)

# Every round ever written; `exists` separates "never written" from a written
# round whose fields are all zero (an incomplete round is a legitimate test case).
_rounds: HashMap[uint80, Round]
_exists: HashMap[uint80, bool]


event AnswerUpdated:
    current: indexed(int256)
    round_id: indexed(uint256)
    updated_at: uint256


@deploy
def __init__(decimals_: uint8, initial_answer: int256):
    """
    @notice Create the feed with round 1 holding `initial_answer`, updated now.
    @param decimals_ Decimals of the answer (8 for most USD feeds, 18 for some).
    @param initial_answer The first answer.
    """
    self.decimals = decimals_
    self.description = "MOCK / USD"
    self._write(1, initial_answer, block.timestamp, block.timestamp, 1)


@external
@view
def version() -> uint256:
    """
    @notice The aggregator version.
    @return uint256 Always 4.
    """
    return VERSION


@external
def set_answer(answer: int256):
    """
    @notice Publish a new, complete round: roundId = latest + 1,
            startedAt = updatedAt = now, answeredInRound = roundId.
    @param answer The new answer (any sign, to test rejections).
    """
    round_id: uint80 = self.latest_round + 1
    self._write(round_id, answer, block.timestamp, block.timestamp, round_id)


@external
def set_round(round_id: uint80, answer: int256, started_at: uint256, updated_at: uint256, answered_in_round: uint80):
    """
    @notice Write an arbitrary round and make it the latest one, e.g. a stale
            round (old `updated_at`), an incomplete one (`updated_at` 0 or
            `answered_in_round` < `round_id`), or a sequencer status change.
    @param round_id The round id, not zero (Chainlink rounds start at 1).
    @param answer The answer.
    @param started_at When the round started.
    @param updated_at When the round was answered; 0 for an incomplete round.
    @param answered_in_round The round in which the answer was computed.
    """
    assert round_id != 0, "mock_aggregator: zero round id"
    self._write(round_id, answer, started_at, updated_at, answered_in_round)


@external
@view
def getRoundData(round_id: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice A stored round: (roundId, answer, startedAt, updatedAt, answeredInRound).
    @param round_id The round to read.
    """
    assert self._exists[round_id], "mock_aggregator: no data present"
    r: Round = self._rounds[round_id]
    return round_id, r.answer, r.started_at, r.updated_at, r.answered_in_round


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The latest round: (roundId, answer, startedAt, updatedAt, answeredInRound).
    """
    round_id: uint80 = self.latest_round
    r: Round = self._rounds[round_id]
    return round_id, r.answer, r.started_at, r.updated_at, r.answered_in_round


@internal
def _write(round_id: uint80, answer: int256, started_at: uint256, updated_at: uint256, answered_in_round: uint80):
    self._rounds[round_id] = Round(
        answer=answer, started_at=started_at, updated_at=updated_at, answered_in_round=answered_in_round
    )
    self._exists[round_id] = True
    self.latest_round = round_id
    log AnswerUpdated(current=answer, round_id=convert(round_id, uint256), updated_at=updated_at)
