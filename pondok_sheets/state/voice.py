"""The residents' voice in local state: answers and complaints on their way to the sheet, and what it held.

Like the intake queue, an entry stays here until the sync has appended it to its tab (Survei
or Pengaduan); its key (the ticket hash of a survey answer, a complaint's ticket) is what
makes one answer per request hold, and what tells a landed row from one still to append.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .db import Database


class VoiceBook:
    """Pending rows per tab, the keys each tab held at the last sync, and complaints' public faces."""

    def __init__(self, db: Database):
        self.db = db

    def enqueue(self, tab: str, key: str, row: Mapping[str, str], now: str) -> bool:
        """Keep a row for `tab` durably; False (nothing kept) when `key` was queued or seen before."""
        with self.db.connect() as db:
            if db.execute("SELECT 1 FROM voice_seen WHERE tab = ? AND key = ?", (tab, key)).fetchone():
                return False
            cursor = db.execute("INSERT OR IGNORE INTO voice_queue (tab, key, row, created_at) VALUES (?, ?, ?, ?)",
                                (tab, key, json.dumps(dict(row)), now))
            return cursor.rowcount == 1

    def is_known(self, tab: str, key: str) -> bool:
        """True when `key` is queued (flushed or not) or was in the tab at the last sync."""
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM voice_queue WHERE tab = ?1 AND key = ?2 UNION "
                              "SELECT 1 FROM voice_seen WHERE tab = ?1 AND key = ?2", (tab, key)).fetchone() is not None

    def has_pending(self) -> bool:
        """True while any answer or complaint waits for its tab."""
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM voice_queue WHERE flushed_at IS NULL LIMIT 1").fetchone() is not None

    def pending(self, tab: str, limit: int = 500) -> list[tuple[str, dict[str, str]]]:
        """(key, row) waiting for `tab`, oldest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT key, row FROM voice_queue WHERE tab = ? AND flushed_at IS NULL "
                              "ORDER BY created_at, rowid LIMIT ?", (tab, limit)).fetchall()
        return [(key, json.loads(row)) for key, row in rows]

    def pending_row(self, tab: str, key: str) -> dict[str, str] | None:
        """The row still waiting under `key`, or None."""
        with self.db.connect() as db:
            row = db.execute("SELECT row FROM voice_queue WHERE tab = ? AND key = ? AND flushed_at IS NULL",
                             (tab, key)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def mark_flushed(self, tab: str, keys: Iterable[str], now: str) -> None:
        """These rows are in the tab: their payload (a complaint's number) is dropped here."""
        with self.db.connect() as db:
            db.executemany("UPDATE voice_queue SET flushed_at = ?, row = NULL WHERE tab = ? AND key = ?",
                           [(now, tab, k) for k in keys])

    def save_seen(self, tab: str, keys: Iterable[str]) -> None:
        """The keys `tab` held at this sync (kept beside older ones: a row staff deleted still counts)."""
        with self.db.connect() as db:
            db.executemany("INSERT OR IGNORE INTO voice_seen VALUES (?, ?)", [(tab, k) for k in keys])

    def save_public(self, complaints: Iterable[tuple[str, Mapping[str, Any]]], replace: bool = True) -> None:
        """Public faces of complaints (ticket -> JSON-able view), replacing the last sync's unless told not to."""
        with self.db.connect() as db:
            if replace:
                db.execute("DELETE FROM complaints_public")
            db.executemany("INSERT OR REPLACE INTO complaints_public VALUES (?, ?)",
                           [(t, json.dumps(dict(v))) for t, v in complaints])

    def public(self, ticket: str) -> dict[str, Any] | None:
        """The public face of one complaint as of the last sync, or None."""
        with self.db.connect() as db:
            row = db.execute("SELECT data FROM complaints_public WHERE ticket = ?", (ticket,)).fetchone()
        return json.loads(row[0]) if row else None

    def public_all(self) -> list[dict[str, Any]]:
        """Every complaint's public face as of the last sync."""
        with self.db.connect() as db:
            return [json.loads(r[0]) for r in db.execute("SELECT data FROM complaints_public")]

    def first_answered(self, ticket: str, status: str, now: str) -> str:
        """When the sync first saw `ticket` answered with `status` (now, the first time)."""
        with self.db.connect() as db:
            db.execute("INSERT OR IGNORE INTO complaint_answers VALUES (?, ?, ?)", (ticket, status, now))
            return db.execute("SELECT at FROM complaint_answers WHERE ticket = ? AND status = ?",
                              (ticket, status)).fetchone()[0]

    def responded_at(self) -> dict[str, str]:
        """Ticket -> when the sync first saw it answered at all, for the median days to a response."""
        with self.db.connect() as db:
            return dict(db.execute("SELECT ticket, min(at) FROM complaint_answers GROUP BY ticket").fetchall())
