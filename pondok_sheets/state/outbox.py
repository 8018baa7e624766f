"""Messages kept locally: what the console messenger 'sent', and Log rows waiting for the register."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping

from .db import Database

NO_MESSAGE_ID = "catatan-"  # the ID Pesan of a Log row no message id came with (a refusal, a failed try)


class ConsoleOutbox:
    """What the console messenger printed (numbers already masked), for `python main.py outbox`."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, at: str, kepada: str, kind: str, ticket: str, text: str) -> None:
        """Keep a message the console messenger 'sent'."""
        with self.db.connect() as db:
            db.execute("INSERT INTO outbox (at, kepada, kind, ticket, text) VALUES (?, ?, ?, ?, ?)",
                       (at, kepada, kind, ticket, text))

    def latest(self, limit: int = 50) -> list[tuple[str, str, str, str, str]]:
        """The newest console messages: (at, masked number, kind, ticket, text), oldest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT at, kepada, kind, ticket, text FROM outbox ORDER BY id DESC LIMIT ?",
                              (limit,)).fetchall()
        return rows[::-1]


class PendingLog:
    """Log rows (every message sent or attempted) waiting to be appended to the register's Log tab.

    Every row carries a key in ID Pesan (the message id, or one made here for a row without one), so
    an append whose answer was lost (Google timed out after writing, or the process died) can be
    checked against the tab before it is tried again: each row is in Log once.
    """

    def __init__(self, db: Database):
        self.db = db

    def add(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Log rows to write to the Log tab at the next sync."""
        keyed = [{**r, "ID Pesan": r.get("ID Pesan") or f"{NO_MESSAGE_ID}{uuid.uuid4().hex[:12]}"} for r in rows]
        with self.db.connect() as db:
            db.executemany("INSERT INTO pending_log (row) VALUES (?)", [(json.dumps(r),) for r in keyed])

    def waiting(self) -> list[tuple[int, dict[str, str]]]:
        """Log rows not yet written, oldest first."""
        with self.db.connect() as db:
            return [(i, json.loads(r)) for i, r in db.execute("SELECT id, row FROM pending_log ORDER BY id")]

    def has(self, message_id: str) -> bool:
        """True if a Log row with this ID Pesan is waiting to be written."""
        return any(row.get("ID Pesan") == message_id for _, row in self.waiting())

    def in_doubt(self) -> bool:
        """True if an append of waiting rows was tried and its outcome never recorded."""
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM pending_log WHERE tried = 1 LIMIT 1").fetchone() is not None

    def mark_tried(self, ids: Iterable[int]) -> None:
        """These rows are about to be appended: until `drop`, whether they landed is unknown."""
        with self.db.connect() as db:
            db.executemany("UPDATE pending_log SET tried = 1 WHERE id = ?", [(i,) for i in ids])

    def amend(self, message_id: str, header: str, value: str) -> bool:
        """Change a Log row still waiting to be written (by its ID Pesan); False if none waits."""
        with self.db.connect() as db:
            for row_id, text in db.execute("SELECT id, row FROM pending_log ORDER BY id").fetchall():
                row = json.loads(text)
                if row.get("ID Pesan") == message_id:
                    row[header] = value
                    db.execute("UPDATE pending_log SET row = ? WHERE id = ?", (json.dumps(row), row_id))
                    return True
        return False

    def drop(self, ids: Iterable[int]) -> None:
        """Forget Log rows now in the register."""
        with self.db.connect() as db:
            db.executemany("DELETE FROM pending_log WHERE id = ?", [(i,) for i in ids])
