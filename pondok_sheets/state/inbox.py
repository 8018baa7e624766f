"""The durable webhook inbox: events stored before the 200, claimed under a lease, handled at least once.

An event counts as handled only after its effects are stored. What a message changed is kept per
event (`Decisions`: the conversation before it, the ticket it filed) and every reply it calls for is
a row of `Replies`, sent at most once: handling an event again after a crash re-sends nothing that
went out and files nothing twice.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .db import Database

LEASE = timedelta(seconds=30)  # a claim nobody finished within this is taken again
HOLD = "hold"  # claimed_by of an event waiting for WhatsApp's report of a reply whose answer was lost
INBOX_KEEP = timedelta(days=7)
_NOTE_UPSERT = ("INSERT INTO wa_notes VALUES (?, ?, ?, ?) ON CONFLICT(book, key) DO UPDATE SET "
                "value = excluded.value, at = excluded.at")


def _clean(text: str) -> str:
    # A forged or broken id may hold lone surrogates, which SQLite cannot store as text.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Inbox:
    """Webhook events, de-duplicated by id; handled after the webhook has answered Meta."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, events: Iterable[tuple[str, str, dict[str, Any]]], now: datetime) -> int:
        """Store (id, kind, payload) events not seen before; returns how many were new."""
        rows = [(_clean(i), k, json.dumps(p), now.isoformat()) for i, k, p in events]
        with self.db.connect() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO wa_inbox (id, kind, payload, received_at) VALUES (?, ?, ?, ?)",
                           rows)
            return db.total_changes - before

    def claim(self, now: datetime, limit: int = 50, holder: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """Take events not yet handled, in arrival order, under a lease until now + LEASE.

        The caller holds the inbox lock, so a claim by another holder that is still open was
        abandoned (its process died): it is taken at once. Our own claims wait for their lease.
        """
        with self.db.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute(
                "SELECT id, kind, payload FROM wa_inbox WHERE handled_at IS NULL AND (claimed_until IS NULL "
                "OR claimed_until <= ? OR (claimed_by != ? AND claimed_by != ?)) ORDER BY received_at, rowid LIMIT ?",
                (now.isoformat(), holder, HOLD, limit)).fetchall()
            db.executemany("UPDATE wa_inbox SET claimed_until = ?, claimed_by = ?, attempts = attempts + 1 "
                           "WHERE id = ?", [((now + LEASE).isoformat(), holder, r[0]) for r in rows])
        return [(i, k, json.loads(p)) for i, k, p in rows]

    def claimable(self, now: datetime, holder: str = "") -> int:
        """How many events a claim by `holder` would take now."""
        with self.db.connect() as db:
            return int(db.execute(
                "SELECT count(*) FROM wa_inbox WHERE handled_at IS NULL AND (claimed_until IS NULL "
                "OR claimed_until <= ? OR (claimed_by != ? AND claimed_by != ?))",
                (now.isoformat(), holder, HOLD)).fetchone()[0])

    def pending(self) -> int:
        """Events not yet handled (held ones included)."""
        with self.db.connect() as db:
            return int(db.execute("SELECT count(*) FROM wa_inbox WHERE handled_at IS NULL").fetchone()[0])

    def attempts(self, event_id: str) -> int:
        """How many times the event was claimed."""
        with self.db.connect() as db:
            row = db.execute("SELECT attempts FROM wa_inbox WHERE id = ?", (event_id,)).fetchone()
        return int(row[0]) if row else 0

    def mark_handled(self, event_ids: Iterable[str], now: datetime) -> None:
        """These events' effects are stored; their payloads (which hold numbers and texts) are dropped."""
        with self.db.connect() as db:
            db.executemany("UPDATE wa_inbox SET handled_at = ?, processed_at = ?, payload = '{}', "
                           "claimed_until = NULL WHERE id = ?", [(now.isoformat(), now.isoformat(), i) for i in event_ids])

    def hold(self, event_id: str, until: datetime) -> None:
        """Come back to the event at `until` (or sooner, when WhatsApp's report releases it)."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_inbox SET claimed_until = ?, claimed_by = ? WHERE id = ?",
                       (until.isoformat(), HOLD, event_id))

    def release(self, event_id: str) -> None:
        """Let the next claim take the event at once."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_inbox SET claimed_until = NULL, claimed_by = '' WHERE id = ? "
                       "AND handled_at IS NULL", (event_id,))


@dataclass(frozen=True)
class Decision:
    """What handling a message started from: the conversation before it, and the ticket it filed."""

    event_id: str
    address: str
    step: str
    data: dict[str, Any]
    ticket: str
    decided: bool


class Decisions:
    """Per message: the conversation before it (to redo it after a crash, or for an edit) and its filing."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, event_id: str) -> Decision | None:
        """The decision record of a message, if handling ever started."""
        with self.db.connect() as db:
            row = db.execute("SELECT event_id, address, step, data, ticket, decided FROM wa_decisions "
                             "WHERE event_id = ?", (event_id,)).fetchone()
        return Decision(row[0], row[1], row[2], json.loads(row[3]), row[4], bool(row[5])) if row else None

    def start(self, event_id: str, address: str, step: str, data: dict[str, Any], now: datetime) -> None:
        """Handling begins: keep where the conversation was before this message."""
        with self.db.connect() as db:
            db.execute("INSERT OR IGNORE INTO wa_decisions (event_id, address, step, data, at) VALUES (?, ?, ?, ?, ?)",
                       (event_id, address, step, json.dumps(data), now.isoformat()))

    def note_ticket(self, event_id: str, ticket: str) -> None:
        """The ticket this message files under, chosen before filing so a second try reuses it."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_decisions SET ticket = ? WHERE event_id = ?", (ticket, event_id))

    def latest_for(self, address: str) -> Decision | None:
        """The last message of this sender that the conversation acted on."""
        with self.db.connect() as db:
            row = db.execute("SELECT event_id FROM wa_decisions WHERE address = ? ORDER BY rowid DESC LIMIT 1",
                             (address,)).fetchone()
        return self.get(row[0]) if row else None

    def is_latest(self, event_id: str, address: str) -> bool:
        """True if no later message of this sender was acted on."""
        latest = self.latest_for(address)
        return latest is not None and latest.event_id == event_id

    def decide(self, event_id: str, replies: list[tuple[str, tuple[tuple[str, str], ...]]], address: str,
               now: datetime, notes: Iterable[tuple[str, str, str]] = ()) -> None:
        """The message's replies are planned and the decision is final, in one transaction, together with
        the `notes` (book, key, value) that hold only once these replies are planned."""
        with self.db.connect() as db:
            db.executemany(_NOTE_UPSERT, [(book, key, value, now.isoformat()) for book, key, value in notes])
            db.executemany("INSERT OR IGNORE INTO wa_replies (event_id, seq, address, text, choices, state, ref, at) "
                           "VALUES (?, ?, ?, ?, ?, 'planned', ?, ?)",
                           [(event_id, seq, address, text, json.dumps(choices), f"balasan:{event_id}:{seq}",
                             now.isoformat()) for seq, (text, choices) in enumerate(replies)])
            db.execute("UPDATE wa_decisions SET decided = 1 WHERE event_id = ?", (event_id,))


@dataclass(frozen=True)
class Reply:
    """One planned reply: planned → sending → sent | failed."""

    event_id: str
    seq: int
    address: str
    text: str
    choices: tuple[tuple[str, str], ...]
    state: str
    ref: str
    message_id: str
    at: str


class Replies:
    """Every reply an event calls for, with what came of it."""

    def __init__(self, db: Database):
        self.db = db

    def of(self, event_id: str) -> list[Reply]:
        """The event's replies, in order."""
        with self.db.connect() as db:
            rows = db.execute("SELECT event_id, seq, address, text, choices, state, ref, message_id, at "
                              "FROM wa_replies WHERE event_id = ? ORDER BY seq", (event_id,)).fetchall()
        return [Reply(r[0], r[1], r[2], r[3], tuple(tuple(c) for c in json.loads(r[4])), *r[5:]) for r in rows]

    def mark(self, reply: Reply, state: str, now: datetime, message_id: str = "") -> None:
        """Record what came of a reply (`sending` is written before the send, never after)."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_replies SET state = ?, message_id = ?, at = ? WHERE event_id = ? AND seq = ?",
                       (state, message_id or reply.message_id, now.isoformat(), reply.event_id, reply.seq))

    def confirm(self, ref: str, message_id: str) -> str | None:
        """WhatsApp reported a reply we named `ref`: it went out. Returns its event id if it was in doubt."""
        with self.db.connect() as db:
            row = db.execute("SELECT event_id, state FROM wa_replies WHERE ref = ?", (ref,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE wa_replies SET state = 'sent', message_id = ? WHERE ref = ? AND state = 'sending'",
                       (message_id, ref))
        return row[0] if row[1] == "sending" else None

    def by_message(self, message_id: str) -> Reply | None:
        """The reply WhatsApp knows by `message_id`."""
        with self.db.connect() as db:
            row = db.execute("SELECT event_id, seq FROM wa_replies WHERE message_id = ?", (message_id,)).fetchone()
        if row is None:
            return None
        return next((r for r in self.of(row[0]) if r.seq == row[1]), None)


class Notes:
    """Small WhatsApp books in one table: (book, key) → value, e.g. a foreign sender told once."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, book: str, key: str) -> tuple[str, str] | None:
        """(value, when) of a note."""
        with self.db.connect() as db:
            row = db.execute("SELECT value, at FROM wa_notes WHERE book = ? AND key = ?", (book, key)).fetchone()
        return (row[0], row[1]) if row else None

    def put(self, book: str, key: str, value: str, now: datetime) -> bool:
        """Write a note; True if it is new or changed."""
        with self.db.connect() as db:
            cursor = db.execute("INSERT INTO wa_notes VALUES (?, ?, ?, ?) ON CONFLICT(book, key) DO UPDATE SET "
                                "value = excluded.value, at = excluded.at WHERE value != excluded.value",
                                (book, key, value, now.isoformat()))
            return cursor.rowcount > 0

    def renew(self, book: str, key: str, value: str, now: datetime) -> None:
        """Write a note and its time, even when the value is unchanged (a report that came again)."""
        with self.db.connect() as db:
            db.execute(_NOTE_UPSERT, (book, key, value, now.isoformat()))

    def add_once(self, book: str, key: str, value: str, now: datetime) -> bool:
        """Write a note only if none exists; True the first time."""
        with self.db.connect() as db:
            cursor = db.execute("INSERT OR IGNORE INTO wa_notes VALUES (?, ?, ?, ?)", (book, key, value, now.isoformat()))
            return cursor.rowcount > 0

    def all(self, book: str) -> list[tuple[str, str, str]]:
        """(key, value, when) of every note in a book, oldest first."""
        with self.db.connect() as db:
            return db.execute("SELECT key, value, at FROM wa_notes WHERE book = ? ORDER BY at, rowid",
                              (book,)).fetchall()

    def drop(self, book: str, key: str) -> None:
        """Forget a note."""
        with self.db.connect() as db:
            db.execute("DELETE FROM wa_notes WHERE book = ? AND key = ?", (book, key))


def purge_inbox(db: Database, now: datetime) -> None:
    """Forget handled events after a week, and the conversation snapshots and replies they kept."""
    cutoff = (now - INBOX_KEEP).isoformat()
    with db.connect() as conn:
        conn.execute("DELETE FROM wa_inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (cutoff,))
        # Snapshots hold names and NIKs: only as long as a conversation (or an edit of it) can need them.
        conn.execute("DELETE FROM wa_decisions WHERE at < ? AND event_id NOT IN "
                     "(SELECT id FROM wa_inbox WHERE handled_at IS NULL)", ((now - timedelta(hours=1)).isoformat(),))
        conn.execute("DELETE FROM wa_replies WHERE at < ? AND event_id NOT IN "
                     "(SELECT id FROM wa_inbox WHERE handled_at IS NULL)", ((now - timedelta(days=1)).isoformat(),))
