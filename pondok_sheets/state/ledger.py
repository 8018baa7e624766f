"""The ledger of announcements: what came of telling a resident about a status, kept before any write."""
from __future__ import annotations

from .db import Database


class Ledger:
    """One outcome per (ticket, what was announced, the Notifikasi cell it was announced from)."""

    def __init__(self, db: Database):
        self.db = db

    def outcome(self, ticket: str, key: str, basis: str) -> str | None:
        """The Notifikasi value recorded for telling `ticket` about `key` since the cell read `basis`."""
        with self.db.connect() as db:
            row = db.execute("SELECT result FROM ledger WHERE ticket = ? AND status = ? AND basis = ?",
                             (ticket, key, basis)).fetchone()
        return row[0] if row else None

    def record_outcome(self, ticket: str, key: str, basis: str, result: str, now: str) -> None:
        """Remember what came of an announcement, so a lost Notifikasi write never causes a second message."""
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO ledger VALUES (?, ?, ?, ?, ?)", (ticket, key, basis, result, now))

    def forget(self, ticket: str, key: str, basis: str) -> None:
        """No outcome for this announcement after all (its send never reached the messenger's far end)."""
        with self.db.connect() as db:
            db.execute("DELETE FROM ledger WHERE ticket = ? AND status = ? AND basis = ?", (ticket, key, basis))
