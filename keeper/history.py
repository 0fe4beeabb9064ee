"""Chainlink-style price history in one SQLite file: every complete round of every feed, kept across restarts.

The chain layer reads rounds (`getRoundData`) and hands them to `PriceHistory.sync` through a callable, so this
module does no network work and tests drive it with plain functions. Answers stay in the feed's own decimals, as
text, because an int256 answer may not fit SQLite's 64-bit integers; `series_usd18` converts with the stored
decimals when a strategy wants 18-decimal USD.

Round ids: a real aggregator proxy reports `phaseId << 64 | aggregatorRoundId`, which exceeds SQLite's signed
64-bit integers from phase 1 on. So a round is stored as (phase, aggregator_round), both small integers, ordered
the same way as the full id.
"""

import bisect
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from keeper.errors import KeeperError

DAY = 86_400
PHASE_SHIFT = 64
AGGREGATOR_ROUND_MASK = (1 << PHASE_SHIFT) - 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS rounds (
    feed TEXT NOT NULL,
    phase INTEGER NOT NULL,             -- round_id >> 64 (0 for feeds that are not phase-prefixed, like the mock)
    aggregator_round INTEGER NOT NULL,  -- round_id & (2**64 - 1); 0 never exists, rounds start at 1 each phase
    answer TEXT NOT NULL,               -- int256 in the feed's decimals, as text: it may exceed SQLite's integers
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (feed, phase, aggregator_round)
);
CREATE INDEX IF NOT EXISTS rounds_by_time ON rounds (feed, updated_at);
CREATE TABLE IF NOT EXISTS feeds (feed TEXT PRIMARY KEY, decimals INTEGER NOT NULL);
"""


class HistoryError(KeeperError):
    """The price history cannot answer as asked (unknown decimals, conflicting decimals)."""


@dataclass(frozen=True)
class Round:
    """One `getRoundData` answer: (roundId, answer, startedAt, updatedAt, answeredInRound)."""

    round_id: int
    answer: int
    started_at: int
    updated_at: int
    answered_in_round: int


def split_round_id(round_id: int) -> tuple[int, int]:
    """(phase, aggregator round) of a possibly phase-prefixed Chainlink round id."""
    return round_id >> PHASE_SHIFT, round_id & AGGREGATOR_ROUND_MASK


def join_round_id(phase: int, aggregator_round: int) -> int:
    """The proxy round id `phase << 64 | aggregator_round`."""
    return phase << PHASE_SHIFT | aggregator_round


def daily_closes(points: Sequence[tuple[int, int]], days: int, now: int) -> list[int]:
    """Up to `days` daily closes from (timestamp, price) `points`, oldest first.

    The boundaries are the last `days` UTC midnights at or before `now` (so a close does not flicker during the
    day); each close is the last price at or before its boundary. Boundaries earlier than the first point have no
    close and are left out, so a list shorter than `days` means the history is too short.
    """
    if days <= 0:
        return []
    times = [timestamp for timestamp, _ in points]
    last_midnight = now - now % DAY
    closes = []
    for k in range(days - 1, -1, -1):
        index = bisect.bisect_right(times, last_midnight - k * DAY) - 1
        if index >= 0:
            closes.append(points[index][1])
    return closes


def to_usd18(answer: int, decimals: int) -> int:
    """A feed answer with `decimals` decimals as an 18-decimal value, rounded down when it has more than 18."""
    return answer * 10 ** (18 - decimals) if decimals <= 18 else answer // 10 ** (decimals - 18)


class PriceHistory:
    """The rounds of every feed the keeper has seen, in a SQLite file (or ":memory:")."""

    def __init__(self, path: str | Path):
        self._db = sqlite3.connect(str(path))
        with self._db:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def set_decimals(self, feed: str, decimals: int) -> None:
        """Remember `feed`'s decimals; a feed's decimals never change, so a different value is a HistoryError."""
        known = self.decimals(feed)
        if known is not None and known != decimals:
            raise HistoryError(f"feed {feed} was recorded with {known} decimals, not {decimals}")
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO feeds (feed, decimals) VALUES (?, ?)", (feed, decimals))

    def decimals(self, feed: str) -> int | None:
        """`feed`'s decimals as recorded by `set_decimals`, or None."""
        row = self._db.execute("SELECT decimals FROM feeds WHERE feed = ?", (feed,)).fetchone()
        return None if row is None else row[0]

    def record(self, feed: str, rounds: Iterable[Round]) -> int:
        """Store `rounds` of `feed`; rounds already stored are left as they are. Returns how many were new."""
        rows = [(feed, *split_round_id(r.round_id), str(r.answer), r.updated_at) for r in rounds]
        before = self._db.total_changes
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO rounds (feed, phase, aggregator_round, answer, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return self._db.total_changes - before

    def latest_round(self, feed: str) -> int | None:
        """The highest round id stored for `feed`, or None when none is."""
        row = self._db.execute(
            "SELECT phase, aggregator_round FROM rounds WHERE feed = ? ORDER BY phase DESC, aggregator_round DESC "
            "LIMIT 1",
            (feed,),
        ).fetchone()
        return None if row is None else join_round_id(*row)

    def series(self, feed: str, since: int = 0, until: int | None = None) -> list[tuple[int, int]]:
        """(updated_at, answer) of `feed`'s rounds with since <= updated_at <= until, oldest first."""
        rows = self._db.execute(
            "SELECT updated_at, answer FROM rounds WHERE feed = ? AND updated_at >= ? AND updated_at <= ? "
            "ORDER BY updated_at, phase, aggregator_round",
            (feed, since, until if until is not None else 2**63 - 1),
        ).fetchall()
        return [(updated_at, int(answer)) for updated_at, answer in rows]

    def series_usd18(self, feed: str, since: int = 0, until: int | None = None) -> list[tuple[int, int]]:
        """`series` with answers converted from the feed's decimals to 18-decimal USD."""
        decimals = self.decimals(feed)
        if decimals is None:
            raise HistoryError(f"the decimals of feed {feed} are unknown: call set_decimals first")
        return [(updated_at, to_usd18(answer, decimals)) for updated_at, answer in self.series(feed, since, until)]

    def daily_closes(self, feed: str, days: int, now: int) -> list[int]:
        """Up to `days` daily closes (feed decimals) at the UTC midnights up to `now`; see `daily_closes`."""
        return daily_closes(self.series(feed, until=now), days, now)

    def sync(
        self,
        feed: str,
        latest_round_id: int,
        get_round: Callable[[int], Round | None],
        max_rounds: int = 500,
    ) -> int:
        """Fetch the rounds of `feed` newer than the newest stored one and store them. Returns how many it stored.

        Walks back from `latest_round_id` one round at a time through `get_round` (the chain layer's wrapper of
        `getRoundData`; None when the round does not exist), skipping incomplete rounds (updated_at 0). It stops
        at the newest stored round, at the start of the phase (aggregator round 0 never exists; older phases
        live on other aggregators) or after `max_rounds` calls. A gap longer than `max_rounds` stays a gap: daily
        closes then carry the last price before it, which is what "the last answer at or before" means anyway.
        """
        newest = self.latest_round(feed)
        phase, aggregator_round = split_round_id(latest_round_id)
        found = []
        for _ in range(max_rounds):
            round_id = join_round_id(phase, aggregator_round)
            if aggregator_round == 0 or (newest is not None and round_id <= newest):
                break
            r = get_round(round_id)
            if r is not None and r.updated_at != 0:
                found.append(r)
            aggregator_round -= 1
        return self.record(feed, found)
