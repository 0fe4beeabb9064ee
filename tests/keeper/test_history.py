"""PriceHistory: idempotent recording, big and phase-prefixed numbers, daily closes, sync from a fake feed, reopen."""

import pytest

from keeper.history import DAY, HistoryError, PriceHistory, Round, daily_closes, join_round_id
from keeper.state import ONE

FEED = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"
MIDNIGHT = 1_700_006_400  # 2023-11-15 00:00 UTC


def complete(round_id: int, answer: int, updated_at: int) -> Round:
    """A complete round answered in itself."""
    return Round(round_id, answer, updated_at, updated_at, round_id)


@pytest.fixture
def history():
    with PriceHistory(":memory:") as h:
        yield h


class FakeFeed:
    """`getRoundData` over a dict: None for a round never written, like a revert the chain layer turns into None."""

    def __init__(self, rounds: dict[int, Round]):
        self.rounds = rounds
        self.asked: list[int] = []

    def __call__(self, round_id: int) -> Round | None:
        self.asked.append(round_id)
        return self.rounds.get(round_id)


# --- record, latest_round, series -----------------------------------------------------------------------------------


def test_record__new_rounds__stores_and_counts_them(history):
    rounds = [complete(i, 100 + i, MIDNIGHT + i) for i in (1, 2, 3)]
    assert history.record(FEED, rounds) == 3
    assert history.series(FEED) == [(MIDNIGHT + 1, 101), (MIDNIGHT + 2, 102), (MIDNIGHT + 3, 103)]


def test_record__same_rounds_again__stores_nothing_keeps_first(history):
    history.record(FEED, [complete(1, 101, MIDNIGHT + 1)])
    assert history.record(FEED, [complete(1, 999, MIDNIGHT + 9)]) == 0
    assert history.series(FEED) == [(MIDNIGHT + 1, 101)]


def test_record__int256_extremes__round_trip_exactly(history):
    history.record(FEED, [complete(1, 2**255 - 1, MIDNIGHT), complete(2, -(2**255), MIDNIGHT + 1)])
    assert history.series(FEED) == [(MIDNIGHT, 2**255 - 1), (MIDNIGHT + 1, -(2**255))]


def test_latest_round__nothing_stored__none(history):
    assert history.latest_round(FEED) is None


def test_latest_round__phase_prefixed_ids__highest_full_id(history):
    # Phase 1 round 7 and phase 2 round 1: both above SQLite's 64-bit integers as full ids.
    history.record(FEED, [complete(join_round_id(2, 1), 5, MIDNIGHT + 1), complete(join_round_id(1, 7), 4, MIDNIGHT)])
    assert history.latest_round(FEED) == (2 << 64) | 1


def test_latest_round__other_feed_only__none(history):
    history.record("0xother", [complete(1, 1, MIDNIGHT)])
    assert history.latest_round(FEED) is None


def test_series__since_and_until__inclusive_window(history):
    history.record(FEED, [complete(i, i, MIDNIGHT + i * 10) for i in range(1, 6)])
    assert history.series(FEED, since=MIDNIGHT + 20, until=MIDNIGHT + 40) == [
        (MIDNIGHT + 20, 2),
        (MIDNIGHT + 30, 3),
        (MIDNIGHT + 40, 4),
    ]


# --- decimals -------------------------------------------------------------------------------------------------------


def test_series_usd18__8_decimals__scaled_up(history):
    history.set_decimals(FEED, 8)
    history.record(FEED, [complete(1, 2_000_12345678, MIDNIGHT)])
    assert history.series_usd18(FEED) == [(MIDNIGHT, 2_000 * ONE + 12345678 * 10**10)]


def test_series_usd18__20_decimals__scaled_down_rounding_down(history):
    history.set_decimals(FEED, 20)
    history.record(FEED, [complete(1, 123 * 10**20 + 99, MIDNIGHT)])
    assert history.series_usd18(FEED) == [(MIDNIGHT, 123 * ONE)]


def test_series_usd18__decimals_unknown__raises(history):
    history.record(FEED, [complete(1, 1, MIDNIGHT)])
    with pytest.raises(HistoryError, match=f"the decimals of feed {FEED} are unknown"):
        history.series_usd18(FEED)


def test_set_decimals__same_again__accepted(history):
    history.set_decimals(FEED, 8)
    history.set_decimals(FEED, 8)
    assert history.decimals(FEED) == 8


def test_set_decimals__different_again__raises(history):
    history.set_decimals(FEED, 8)
    with pytest.raises(HistoryError, match=f"feed {FEED} was recorded with 8 decimals, not 18"):
        history.set_decimals(FEED, 18)


# --- daily closes ---------------------------------------------------------------------------------------------------


POINTS = [
    (MIDNIGHT + 3_600, 100),  # day 0, after its midnight: no close for the boundary MIDNIGHT
    (MIDNIGHT + DAY - 1, 101),
    (MIDNIGHT + DAY, 102),  # exactly on the boundary: counts for it
    (MIDNIGHT + DAY + 7_200, 103),
    (MIDNIGHT + 2 * DAY + 100, 104),  # after the last boundary at or before `now`
]
NOW = MIDNIGHT + 2 * DAY + 5_000


def test_daily_closes__enough_points__last_answer_at_or_before_each_midnight():
    assert daily_closes(POINTS, 2, NOW) == [102, 103]


def test_daily_closes__boundary_before_first_point__left_out():
    assert daily_closes(POINTS, 3, NOW) == [102, 103]


def test_daily_closes__stored_rounds__same_closes(history):
    history.record(FEED, [complete(i, price, at) for i, (at, price) in enumerate(POINTS, start=1)])
    assert history.daily_closes(FEED, 3, NOW) == [102, 103]


def test_daily_closes__now_before_later_rounds__ignores_them(history):
    history.record(FEED, [complete(i, price, at) for i, (at, price) in enumerate(POINTS, start=1)])
    assert history.daily_closes(FEED, 1, MIDNIGHT + DAY + 10) == [102]


# --- sync -----------------------------------------------------------------------------------------------------------


def test_sync__gaps_and_incomplete_rounds__stores_complete_ones_down_to_stored(history):
    history.record(FEED, [complete(3, 3, MIDNIGHT + 3)])
    feed = FakeFeed({i: complete(i, i, MIDNIGHT + i) for i in (4, 5, 7, 9, 10)})
    feed.rounds[8] = Round(8, 0, MIDNIGHT + 8, 0, 8)  # incomplete: never answered
    assert history.sync(FEED, 10, feed) == 5
    assert feed.asked == [10, 9, 8, 7, 6, 5, 4]
    assert [answer for _, answer in history.series(FEED)] == [3, 4, 5, 7, 9, 10]


def test_sync__up_to_date__asks_nothing(history):
    history.record(FEED, [complete(10, 10, MIDNIGHT)])
    feed = FakeFeed({})
    assert history.sync(FEED, 10, feed) == 0
    assert feed.asked == []


def test_sync__empty_history__walks_to_round_one(history):
    feed = FakeFeed({i: complete(i, i, MIDNIGHT + i) for i in (1, 2, 3)})
    assert history.sync(FEED, 3, feed) == 3
    assert feed.asked == [3, 2, 1]


def test_sync__more_than_max_rounds__stops_after_max(history):
    feed = FakeFeed({i: complete(i, i, MIDNIGHT + i) for i in range(1, 11)})
    assert history.sync(FEED, 10, feed, max_rounds=3) == 3
    assert feed.asked == [10, 9, 8]
    assert history.latest_round(FEED) == 10


def test_sync__phase_prefixed__stops_at_phase_start(history):
    phase2 = [join_round_id(2, i) for i in (1, 2, 3)]
    feed = FakeFeed({round_id: complete(round_id, 7, MIDNIGHT + round_id % 10) for round_id in phase2})
    assert history.sync(FEED, join_round_id(2, 3), feed) == 3
    assert feed.asked == list(reversed(phase2))  # never round 0 of phase 2, never phase 1


# --- persistence ----------------------------------------------------------------------------------------------------


def test_price_history__reopened_file__keeps_rounds_and_decimals(tmp_path):
    path = tmp_path / "history.sqlite"
    with PriceHistory(path) as first:
        first.set_decimals(FEED, 8)
        first.record(FEED, [complete(1, 2_000 * 10**8, MIDNIGHT), complete(2, 2_100 * 10**8, MIDNIGHT + DAY)])
    with PriceHistory(path) as again:
        assert again.decimals(FEED) == 8
        assert again.latest_round(FEED) == 2
        assert again.series_usd18(FEED) == [(MIDNIGHT, 2_000 * ONE), (MIDNIGHT + DAY, 2_100 * ONE)]
        assert again.record(FEED, [complete(2, 1, MIDNIGHT)]) == 0


def test_price_history__new_file__empty(tmp_path):
    with PriceHistory(tmp_path / "fresh.sqlite") as fresh:
        assert fresh.latest_round(FEED) is None
        assert fresh.series(FEED) == []
