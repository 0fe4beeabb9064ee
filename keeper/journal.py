"""The keeper's memory across restarts: every intended transaction, every signed copy sent, last-seen prices,
tripped breakers and the failure streak, in one SQLite file.

An intent and its first signed transaction are written *before* anything is broadcast, so a keeper killed at any
point finds, on restart, every nonce it may have used and the exact bytes it may have sent. Re-sending those bytes
(or a replacement at the same nonce) can never execute the trade twice: one nonce, one transaction.
"""

import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,             -- what the transaction does, e.g. rebalance:<vault>:<last_rebalance>:<sell>:<buy>
    vault TEXT NOT NULL,
    kind TEXT NOT NULL,            -- rebalance | filler
    to_address TEXT NOT NULL,
    calldata TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    gas_limit INTEGER NOT NULL,
    value_in TEXT NOT NULL DEFAULT '0',  -- USD (18 decimals) sold, as text: it may exceed SQLite's 64-bit integers
    status TEXT NOT NULL,          -- pending | mined | final | failed | cancelled | dropped | rejected
    created_block INTEGER NOT NULL,
    mined_block INTEGER,
    mined_hash TEXT,
    gas_used INTEGER,
    gas_cost TEXT,                 -- wei paid (gas used * effective gas price), as text
    reason TEXT
);
CREATE INDEX IF NOT EXISTS intents_live ON intents (status);
CREATE TABLE IF NOT EXISTS sends (
    tx_hash TEXT NOT NULL,
    intent_id INTEGER NOT NULL REFERENCES intents (id),
    raw TEXT NOT NULL,
    max_fee INTEGER NOT NULL,
    priority_fee INTEGER NOT NULL,
    sent_block INTEGER NOT NULL,
    cancel INTEGER NOT NULL DEFAULT 0,  -- a 0-value self-transfer replacing a trade that no longer simulates
    -- The same bytes may belong to two intents: a first send the node rejected frees its nonce and key, and the
    -- next cycle may sign the very same transaction again.
    PRIMARY KEY (tx_hash, intent_id)
);
-- Last-seen prices per oracle: a stranger's vault with its own oracle must not move what an honest vault's breaker
-- compares with. (The old `prices` table, keyed by token alone, is no longer read.)
CREATE TABLE IF NOT EXISTS oracle_prices (
    oracle TEXT NOT NULL,
    token TEXT NOT NULL,
    price TEXT NOT NULL,
    block INTEGER NOT NULL,
    PRIMARY KEY (oracle, token)
);
CREATE TABLE IF NOT EXISTS breakers (scope TEXT PRIMARY KEY, reason TEXT NOT NULL, block INTEGER NOT NULL);
-- Failure streaks: 'failures' for the keeper itself (node, nonce, funds), 'failures:<vault>' for each vault.
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

# Statuses whose nonce may still be (re)used on chain by this intent's transactions.
LIVE = ("pending", "mined")
GLOBAL = "global"


@dataclass(frozen=True)
class Intent:
    id: int
    key: str
    vault: str
    kind: str
    to_address: str
    calldata: str
    nonce: int
    gas_limit: int
    value_in: int
    status: str
    created_block: int
    mined_block: int | None
    mined_hash: str | None
    gas_used: int | None
    gas_cost: str | None
    reason: str | None


@dataclass(frozen=True)
class Send:
    tx_hash: str
    intent_id: int
    raw: str
    max_fee: int
    priority_fee: int
    sent_block: int
    cancel: bool


class Journal:
    """One SQLite file (or ":memory:"); every write commits before the method returns."""

    def __init__(self, path: str | Path):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Explicit transactions below. Silverback runs handlers on worker threads; `Keeper.cycle` holds a lock, so
        # one thread at a time uses the connection.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- intents and sends ------------------------------------------------------------------------------------------

    def record_intent(
        self, *, key: str, vault: str, kind: str, to_address: str, calldata: str, nonce: int, gas_limit: int,
        value_in: int, block: int, send: "Send",
    ) -> Intent:  # fmt: skip
        """Store an intent with its first signed transaction, atomically, before it is broadcast."""
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO intents (key, vault, kind, to_address, calldata, nonce, gas_limit, value_in, status,"
                " created_block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (key, vault, kind, to_address, calldata, nonce, gas_limit, str(value_in), block),
            )
            self._insert_send(send, cursor.lastrowid)
        return self.intent(cursor.lastrowid)

    def record_send(self, send: Send) -> None:
        """Store a replacement (same nonce, higher fees, or a cancel) before it is broadcast."""
        with self._transaction():
            self._insert_send(send, send.intent_id)

    def _insert_send(self, send: Send, intent_id: int) -> None:
        self._db.execute(
            "INSERT INTO sends (tx_hash, intent_id, raw, max_fee, priority_fee, sent_block, cancel)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (send.tx_hash, intent_id, send.raw, send.max_fee, send.priority_fee, send.sent_block, int(send.cancel)),
        )

    def intent(self, intent_id: int) -> Intent:
        return self._intent(self._db.execute("SELECT * FROM intents WHERE id = ?", (intent_id,)).fetchone())

    def intents(self, *statuses: str) -> list[Intent]:
        """Intents with any of `statuses` (all when none given), oldest nonce first."""
        query, args = "SELECT * FROM intents", ()
        if statuses:
            query += f" WHERE status IN ({','.join('?' * len(statuses))})"
            args = statuses
        return [self._intent(row) for row in self._db.execute(query + " ORDER BY nonce, id", args)]

    def live(self) -> list[Intent]:
        """Intents whose transactions may still land: pending, or mined but not yet final."""
        return self.intents(*LIVE)

    def has_key(self, key: str) -> bool:
        """Whether a transaction for `key` is live or has landed (so it must not be sent again)."""
        row = self._db.execute(
            "SELECT 1 FROM intents WHERE key = ? AND status IN ('pending', 'mined', 'final')", (key,)
        ).fetchone()
        return row is not None

    def sends(self, intent_id: int) -> list[Send]:
        """Every signed transaction of an intent, the first one first."""
        rows = self._db.execute("SELECT * FROM sends WHERE intent_id = ? ORDER BY rowid", (intent_id,))
        return [Send(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def set_status(self, intent_id: int, status: str, **fields) -> None:
        columns = ", ".join(f"{name} = ?" for name in ("status", *fields))
        with self._transaction():
            self._db.execute(f"UPDATE intents SET {columns} WHERE id = ?", (status, *fields.values(), intent_id))

    def max_live_nonce(self) -> int | None:
        row = self._db.execute(f"SELECT MAX(nonce) FROM intents WHERE status IN {LIVE}").fetchone()
        return row[0]

    def last_trade(self, vault: str) -> Intent | None:
        row = self._db.execute(
            "SELECT * FROM intents WHERE vault = ? AND kind = 'rebalance' ORDER BY id DESC LIMIT 1", (vault,)
        ).fetchone()
        return self._intent(row) if row else None

    # --- breakers, prices, counters ---------------------------------------------------------------------------------

    def trip(self, scope: str, reason: str, block: int) -> None:
        """Stop trading for `scope` (a vault address, or GLOBAL) until reset; the first reason stays."""
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO breakers VALUES (?, ?, ?)", (scope, reason, block))

    def breakers(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT scope, reason FROM breakers").fetchall())

    def reset(self, scope: str | None = None) -> int:
        """Clear one breaker (or all), forget the last-seen prices and the failure streaks; returns breakers
        cleared."""
        with self._transaction():
            if scope is None:
                cleared = self._db.execute("DELETE FROM breakers").rowcount
                self._db.execute("DELETE FROM counters WHERE name LIKE 'failures%'")
            else:
                cleared = self._db.execute("DELETE FROM breakers WHERE scope = ?", (scope,)).rowcount
                self._db.execute("DELETE FROM counters WHERE name IN ('failures', ?)", (_streak(scope),))
            self._db.execute("DELETE FROM oracle_prices")
        return cleared

    def last_prices(self) -> dict[tuple[str, str], int]:
        """The last price the keeper saw of each (oracle, token)."""
        rows = self._db.execute("SELECT oracle, token, price FROM oracle_prices")
        return {(oracle, token): int(price) for oracle, token, price in rows}

    def record_prices(self, oracle: str, prices: dict[str, int], block: int) -> None:
        """Remember `oracle`'s prices (token -> price) as last seen."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO oracle_prices VALUES (?, ?, ?, ?)",
                [(oracle, t, str(p), block) for t, p in prices.items()],
            )

    def failures(self, scope: str = GLOBAL) -> int:
        """The consecutive-failure streak of the keeper itself (GLOBAL) or of one vault."""
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (_streak(scope),)).fetchone()
        return row[0] if row else 0

    def count_failure(self, scope: str = GLOBAL) -> int:
        """Add one to the consecutive-failure streak of `scope` (GLOBAL or a vault) and return it."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (_streak(scope),),
            )
        return self.failures(scope)

    def clear_failures(self, scope: str = GLOBAL) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM counters WHERE name = ?", (_streak(scope),))

    # --- plumbing ---------------------------------------------------------------------------------------------------

    def _transaction(self):
        return _Transaction(self._db)

    @staticmethod
    def _intent(row) -> Intent:
        fields = list(row)
        fields[8] = int(fields[8])  # value_in
        return Intent(*fields)


def _streak(scope: str) -> str:
    return "failures" if scope == GLOBAL else f"failures:{scope}"


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: nothing is ever half-written."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, *_):
        self._db.execute("ROLLBACK" if kind else "COMMIT")
