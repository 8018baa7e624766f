"""Messages kept locally: what the console messenger 'sent', and Log rows waiting for the register."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from .db import Database


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
    """Log rows (every message sent or attempted) waiting to be appended to the register's Log tab."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Log rows to write to the Log tab at the next sync."""
        with self.db.connect() as db:
            db.executemany("INSERT INTO pending_log (row) VALUES (?)", [(json.dumps(dict(r)),) for r in rows])

    def waiting(self) -> list[tuple[int, dict[str, str]]]:
        """Log rows not yet written, oldest first."""
        with self.db.connect() as db:
            return [(i, json.loads(r)) for i, r in db.execute("SELECT id, row FROM pending_log ORDER BY id")]

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
