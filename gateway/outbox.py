"""The agent's durable outbox: every event is on disk before it is published, and
leaves only when the server has acknowledged it (or, for a server without
acknowledgements, the broker).

`seq` is SQLite's AUTOINCREMENT key: strictly increasing, never reused, and kept
across restarts (sqlite_sequence), as the MQTT v1 contract requires.

When the outbox is full (`max_events`), it makes room by dropping the oldest
heartbeats first — they only repeat a state already reported — and only if there are
none, the oldest events. Every drop is counted, logged and reported in the agent's
status message.
"""

import datetime as dt
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from gateway.protocol import Event, format_ts, parse_ts

log = logging.getLogger("gateway.outbox")
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    instrument TEXT NOT NULL,
    ts TEXT NOT NULL,
    state TEXT NOT NULL,
    readings TEXT NOT NULL DEFAULT '{}',
    heartbeat INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Outbox:
    def __init__(self, path: Path, *, max_events: int = 500_000):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_events = max_events
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL with synchronous=FULL: a committed event survives a power cut.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._count = self._db.execute("SELECT count(*) FROM events").fetchone()[0]

    def add(
        self,
        instrument: str,
        ts: dt.datetime,
        state: str,
        readings: dict[str, Any] | None = None,
        *,
        heartbeat: bool = False,
    ) -> int:
        with self._lock:
            if self._count >= self.max_events:
                self._make_room()
            cursor = self._db.execute(
                "INSERT INTO events (instrument, ts, state, readings, heartbeat) VALUES (?, ?, ?, ?, ?)",
                (instrument, format_ts(ts), state, json.dumps(readings or {}), int(heartbeat)),
            )
            self._count += 1
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def _make_room(self) -> None:
        room = max(1, self.max_events // 100)
        dropped = self._db.execute(
            "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE heartbeat = 1 ORDER BY seq LIMIT ?)", (room,)
        ).rowcount
        if not dropped:
            dropped = self._db.execute(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)", (room,)
            ).rowcount
            log.error("outbox full of state changes: dropped the %d oldest events", dropped)
        else:
            log.warning("outbox full: dropped the %d oldest heartbeats", dropped)
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES ('dropped', ?)"
            " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (dropped,),
        )
        self._count -= dropped

    def take(self, *, after: int, limit: int) -> list[Event]:
        """The oldest events with a seq above `after`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, instrument, ts, state, readings FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Event(seq=s, instrument=i, ts=parse_ts(t), state=st, readings=json.loads(r)) for s, i, t, st, r in rows]

    def remove(self, seqs: list[int]) -> None:
        """Forget events the broker acknowledged: a batch `take` handed out. Its seqs are
        every row between its first and last (later events only get higher seqs), so one
        range delete does."""
        if not seqs:
            return
        with self._lock:
            removed = self._db.execute("DELETE FROM events WHERE seq BETWEEN ? AND ?", (min(seqs), max(seqs))).rowcount
            self._count -= removed

    def remove_through(self, seq: int) -> int:
        """Forget every event up to `seq`: the server has committed them."""
        with self._lock:
            removed = self._db.execute("DELETE FROM events WHERE seq <= ?", (seq,)).rowcount
            self._count -= removed
            return removed

    def count_through(self, seq: int) -> int:
        """How many events up to `seq` are still here."""
        with self._lock:
            count: int = self._db.execute("SELECT count(*) FROM events WHERE seq <= ?", (seq,)).fetchone()[0]
            return count

    def last_seq(self) -> int:
        """The highest seq this outbox has given, even if the event has left."""
        with self._lock:
            row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
            return row[0] if row else 0

    def renumber_after(self, seq: int) -> None:
        """Move every event above `seq`, keeping their order, and continue from there (the
        server has seqs up to `seq` from an earlier outbox of this gateway)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Adding `seq` keeps seqs unique all along: every new one is above `seq`,
                # and every old one below it.
                self._db.execute("UPDATE events SET seq = seq + ?", (seq,))
                top = self._db.execute("SELECT max(seq) FROM events").fetchone()[0]
                self._continue_after(top or seq)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def continue_after(self, seq: int) -> None:
        """Make the next seq larger than `seq` (events of this gateway stored elsewhere)."""
        with self._lock:
            self._continue_after(seq)

    def _continue_after(self, seq: int) -> None:
        current = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        if current is None:
            self._db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (seq,))
        elif current[0] < seq:
            self._db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'", (seq,))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
            return {"pending": self._count, "dropped": row[0] if row else 0, "capacity": self.max_events}

    def close(self) -> None:
        with self._lock:
            self._db.close()
