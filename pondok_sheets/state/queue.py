"""The intake queue: every submission is kept here durably until it is in the register."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .db import Database


@dataclass(frozen=True)
class QueuedRequest:
    """A submission waiting to be appended to the register."""

    ticket: str
    service: str
    row: dict[str, str]
    created_at: str


class IntakeQueue:
    """Submissions from every channel, and the tickets given to rows that arrived without one."""

    def __init__(self, db: Database):
        self.db = db

    def enqueue(self, ticket: str, service: str, row: Mapping[str, str], now: str) -> None:
        """Keep a submission durably until it is in the register."""
        with self.db.connect() as db:
            db.execute("INSERT INTO queue (ticket, service, payload, created_at) VALUES (?, ?, ?, ?)",
                       (ticket, service, json.dumps(dict(row)), now))

    def pending(self, limit: int = 500) -> list[QueuedRequest]:
        """Submissions not yet in the register, oldest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT ticket, service, payload, created_at FROM queue "
                              "WHERE flushed_at IS NULL ORDER BY created_at, rowid LIMIT ?", (limit,))
            return [QueuedRequest(t, s, json.loads(p), c) for t, s, p, c in rows]

    def has_pending(self) -> bool:
        """True while any submission waits for the register."""
        with self.db.connect() as db:
            return db.execute("SELECT 1 FROM queue WHERE flushed_at IS NULL LIMIT 1").fetchone() is not None

    def mark_flushed(self, tickets: Iterable[str], now: str) -> None:
        """Record that these tickets are in the register; their personal data is dropped here."""
        with self.db.connect() as db:
            db.executemany("UPDATE queue SET flushed_at = ?, payload = NULL WHERE ticket = ?",
                           [(now, t) for t in tickets])

    def queued(self, ticket: str) -> QueuedRequest | None:
        """The queue entry for `ticket`, flushed or not (personal data only while pending)."""
        with self.db.connect() as db:
            row = db.execute("SELECT ticket, service, payload, created_at FROM queue WHERE ticket = ?",
                             (ticket,)).fetchone()
        return QueuedRequest(row[0], row[1], json.loads(row[2] or "{}"), row[3]) if row else None

    def is_known_ticket(self, ticket: str) -> bool:
        """True if this service has issued or seen `ticket`, so a new one never repeats it."""
        with self.db.connect() as db:
            row = db.execute("SELECT 1 FROM queue WHERE ticket = ?1 UNION SELECT 1 FROM snapshot "
                             "WHERE ticket = ?1 UNION SELECT 1 FROM walkins WHERE ticket = ?1",
                             (ticket,)).fetchone()
        return row is not None

    def walkin_ticket(self, fingerprint: str, new: str) -> str:
        """The ticket given to the row with this fingerprint (walk-in, form response), `new` the first time."""
        with self.db.connect() as db:
            db.execute("INSERT OR IGNORE INTO walkins VALUES (?, ?)", (fingerprint, new))
            return db.execute("SELECT ticket FROM walkins WHERE fingerprint = ?", (fingerprint,)).fetchone()[0]

    def enqueue_once(self, keys: Sequence[str], recent: Sequence[str], ticket: str, service: str,
                     row: Mapping[str, str], now: str) -> tuple[str, str]:
        """Queue a submission unless a key (a form render's id) or a recent twin already has a ticket.

        Returns (ticket, the key that matched, or "" when this one was queued). One immediate
        transaction, so a double tap that reaches two threads or two workers files once.
        """
        with self.db.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            for key in (*keys, *recent):
                found = db.execute("SELECT ticket FROM walkins WHERE fingerprint = ?", (key,)).fetchone()
                if found:
                    db.executemany("INSERT OR IGNORE INTO walkins VALUES (?, ?)", [(k, found[0]) for k in keys])
                    return found[0], key
            db.executemany("INSERT OR IGNORE INTO walkins VALUES (?, ?)", [(k, ticket) for k in keys])
            db.execute("INSERT INTO queue (ticket, service, payload, created_at) VALUES (?, ?, ?, ?)",
                       (ticket, service, json.dumps(dict(row)), now))
            return ticket, ""
