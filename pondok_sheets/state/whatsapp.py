"""WhatsApp's books in the state file: contacts, 24-hour windows, chats, sent messages, links (the inbox: inbox.py).

Numbers are personal data: contacts and windows keep only a keyed hash of the number;
sent messages and chats keep it only as long as they need it (a resend, a conversation)
and `purge` forgets them after.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..register.validation import phone_key
from .db import Database, rows_of

# Meta may deliver statuses out of order; a later "delivered" never overwrites "read".
DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
CHAT_IDLE = timedelta(minutes=30)
WINDOW = timedelta(hours=24)
SENT_KEEP = timedelta(days=3)


class PhoneHasher:
    """A keyed hash of a number's one key, so the state file never holds the number itself."""

    def __init__(self, secret: str):
        self._secret = secret.encode()

    def __call__(self, phone: str) -> str:
        return hmac.new(self._secret, phone_key(phone).encode(), hashlib.sha256).hexdigest()

    def typed(self, *cells: str) -> str:
        """A keyed fingerprint of cells exactly as typed: equal cells, equal fingerprint, no parsing."""
        return hmac.new(self._secret, "\x1f".join(cells).encode(), hashlib.sha256).hexdigest()[:32]


class ContactBook:
    """Who filed which ticket (for CEK) and the Catatan staff wrote, as of the last sync."""

    def __init__(self, db: Database, hasher: PhoneHasher):
        self.db = db
        self._hash = hasher

    def save(self, contacts: Iterable[tuple[str, str, str]]) -> None:
        """(ticket, number as typed, Catatan) of every request, as of this sync.

        Only rows whose cells changed since the last sync are parsed and hashed again."""
        contacts = list(contacts)
        with self.db.connect() as db:
            known = dict(rows_of(db, "SELECT ticket, typed FROM wa_contacts", "ticket", [c[0] for c in contacts], 0))
            changed = []
            for ticket, phone, note in contacts:
                typed = self._hash.typed(phone, note)
                if known.get(ticket) != typed:
                    changed.append((ticket, self._hash(phone), note, typed))
            db.executemany("INSERT OR REPLACE INTO wa_contacts (ticket, phone_hash, note, typed) VALUES (?, ?, ?, ?)",
                           changed)

    def is_contact(self, ticket: str, phone: str) -> bool:
        """True if `phone` is the number the request with `ticket` was filed with."""
        with self.db.connect() as db:
            row = db.execute("SELECT phone_hash FROM wa_contacts WHERE ticket = ?", (ticket,)).fetchone()
        return bool(row) and hmac.compare_digest(row[0], self._hash(phone))

    def note_for(self, ticket: str) -> str:
        """The Catatan staff wrote for the request, as of the last sync."""
        with self.db.connect() as db:
            row = db.execute("SELECT note FROM wa_contacts WHERE ticket = ?", (ticket,)).fetchone()
        return row[0] if row else ""


class WindowBook:
    """The 24-hour customer service window: free text is allowed while it is open."""

    def __init__(self, db: Database, hasher: PhoneHasher):
        self.db = db
        self._hash = hasher

    def note_inbound(self, phone: str, at: datetime) -> None:
        """The resident wrote to us: a free-text reply is allowed for 24 hours."""
        with self.db.connect() as db:
            db.execute("INSERT INTO wa_window VALUES (?, ?) ON CONFLICT(phone_hash) DO UPDATE SET "
                       "last_inbound = max(last_inbound, excluded.last_inbound)", (self._hash(phone), at.isoformat()))

    def is_open(self, phone: str, now: datetime) -> bool:
        """True if the resident wrote to us within the last 24 hours."""
        with self.db.connect() as db:
            row = db.execute("SELECT last_inbound FROM wa_window WHERE phone_hash = ?", (self._hash(phone),)).fetchone()
        return bool(row) and now - datetime.fromisoformat(row[0]) < WINDOW


class ChatBook:
    """Where each WhatsApp conversation is; it ends after 30 minutes idle."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, phone: str, now: datetime) -> tuple[str, dict[str, Any]]:
        """(step, data) of the conversation with `phone`; ('', {}) if none or idle for 30 minutes."""
        with self.db.connect() as db:
            row = db.execute("SELECT step, data, updated_at FROM wa_chats WHERE phone = ?", (phone,)).fetchone()
        if not row or now - datetime.fromisoformat(row[2]) > CHAT_IDLE:
            return "", {}
        return row[0], json.loads(row[1])

    def save(self, phone: str, step: str, data: dict[str, Any], now: datetime) -> None:
        """Remember where the conversation is; an empty step ends it and forgets its answers."""
        with self.db.connect() as db:
            if step:
                db.execute("INSERT OR REPLACE INTO wa_chats VALUES (?, ?, ?, ?)",
                           (phone, step, json.dumps(data), now.isoformat()))
            else:
                db.execute("DELETE FROM wa_chats WHERE phone = ?", (phone,))


@dataclass(frozen=True)
class SentMessage:
    """A message this service sent through the Cloud API, kept for delivery updates and resends."""

    message_id: str
    ticket: str
    status: str
    kind: str
    phone: str
    text: str
    params: tuple[str, ...]
    via: str


class SentLog:
    """Messages sent through the Cloud API and what WhatsApp reported of them."""

    def __init__(self, db: Database):
        self.db = db

    def record_cloud_message(self, message: SentMessage, now: datetime, ref: str = "") -> None:
        """Keep what a later failed-status webhook needs to resend the message as a template, and the
        announcement (`ref`) Meta accepted it for."""
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO wa_sent (message_id, ticket, status, kind, phone, text, params, via, at,"
                       " ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (message.message_id, message.ticket, message.status, message.kind, message.phone,
                        message.text, json.dumps(list(message.params)), message.via, now.isoformat(), ref))

    def ref_accepted(self, ref: str) -> str | None:
        """The message id Meta answered for the announcement `ref`, if its answer reached us."""
        if not ref:
            return None
        with self.db.connect() as db:
            row = db.execute("SELECT message_id FROM wa_sent WHERE ref = ? ORDER BY at DESC LIMIT 1",
                             (ref,)).fetchone()
        return row[0] if row else None

    def get(self, message_id: str) -> SentMessage | None:
        """A message we sent, by its id."""
        with self.db.connect() as db:
            row = db.execute("SELECT message_id, ticket, status, kind, phone, text, params, via FROM wa_sent "
                             "WHERE message_id = ?", (message_id,)).fetchone()
        return SentMessage(*row[:6], tuple(json.loads(row[6])), row[7]) if row else None

    def note_delivery(self, message_id: str, delivery: str, text: str, resend: bool = False) -> bool:
        """Record a delivery status unless a later one is known; returns True if it changed."""
        rank = DELIVERY_RANK.get(delivery, 0)
        with self.db.connect() as db:
            cursor = db.execute("UPDATE wa_sent SET delivery = ?, delivery_rank = ?, delivery_dirty = 1, "
                                "resend_due = max(resend_due, ?) WHERE message_id = ? AND delivery_rank < ?",
                                (text, rank, int(resend), message_id, rank))
            return cursor.rowcount > 0

    def note_ref(self, ref: str, message_id: str, status: str) -> None:
        """A status webhook named one of our announcements (its `biz_opaque_callback_data`)."""
        with self.db.connect() as db:
            db.execute("INSERT INTO wa_refs VALUES (?, ?, ?) ON CONFLICT(ref) DO UPDATE SET status = "
                       "CASE WHEN excluded.status = 'failed' THEN wa_refs.status ELSE excluded.status END",
                       (ref, message_id, status))

    def ref_delivered(self, ref: str) -> str | None:
        """The message id of the announcement `ref` if WhatsApp reported it sent, delivered or read."""
        with self.db.connect() as db:
            row = db.execute("SELECT message_id FROM wa_refs WHERE ref = ? AND status != 'failed'", (ref,)).fetchone()
        return row[0] if row else None

    def due_resends(self) -> list[SentMessage]:
        """Free-text messages Meta refused for a closed window: each is resent once as the template."""
        with self.db.connect() as db:
            ids = [r[0] for r in db.execute("SELECT message_id FROM wa_sent WHERE resend_due = 1")]
        return [m for m in map(self.get, ids) if m]

    def mark_resent(self, message_id: str) -> None:
        """The template went out (or was given up): never resend this one again."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_sent SET resend_due = 2 WHERE message_id = ?", (message_id,))

    def mark_resending(self, message_id: str) -> None:
        """The template resend is about to leave: until its outcome is known it is never tried again, so a
        process killed mid-send sends no second template (at most once; `resend_due` 3)."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_sent SET resend_due = 3 WHERE message_id = ? AND resend_due = 1", (message_id,))

    def mark_resend_due(self, message_id: str) -> None:
        """Meta refused the resend before sending anything (busy): it is due again at the next cycle."""
        with self.db.connect() as db:
            db.execute("UPDATE wa_sent SET resend_due = 1 WHERE message_id = ? AND resend_due = 3", (message_id,))

    def dirty_deliveries(self) -> list[tuple[str, str]]:
        """(message id, Hasil text) for delivery updates not yet written to Log."""
        with self.db.connect() as db:
            return db.execute("SELECT message_id, delivery FROM wa_sent WHERE delivery_dirty = 1").fetchall()

    def clean_deliveries(self, ids: Iterable[str]) -> None:
        """These delivery updates are in Log."""
        with self.db.connect() as db:
            db.executemany("UPDATE wa_sent SET delivery_dirty = 0 WHERE message_id = ?", [(i,) for i in ids])


@dataclass(frozen=True)
class LinkMessage:
    """A message waiting for staff to send it from their phone (links mode)."""

    id: int
    at: str
    ticket: str
    status: str
    kepada: str
    text: str
    link: str
    ticked_at: str | None


class LinkQueue:
    """Links mode: messages staff send by tapping a wa.me link, then tick in Kirim WA."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, at: str, ticket: str, status: str, kepada: str, text: str, link: str) -> int:
        """A message for staff to send; returns its number in the Kirim WA list."""
        with self.db.connect() as db:
            cursor = db.execute("INSERT INTO links_queue (at, ticket, status, kepada, text, link) "
                                "VALUES (?, ?, ?, ?, ?, ?)", (at, ticket, status, kepada, text, link))
            return int(cursor.lastrowid or 0)

    def latest(self, not_in_sheet: bool = False, limit: int = 1000) -> list[LinkMessage]:
        """Links-mode messages, oldest first (only those not yet in the Kirim WA tab, if asked)."""
        where = "WHERE in_sheet = 0" if not_in_sheet else ""
        with self.db.connect() as db:
            rows = db.execute("SELECT id, at, ticket, status, kepada, text, link, ticked_at FROM links_queue "
                              f"{where} ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [LinkMessage(*r) for r in reversed(rows)]

    def get(self, link_id: int) -> LinkMessage | None:
        """One links-mode message by its number."""
        with self.db.connect() as db:
            row = db.execute("SELECT id, at, ticket, status, kepada, text, link, ticked_at FROM links_queue "
                             "WHERE id = ?", (link_id,)).fetchone()
        return LinkMessage(*row) if row else None

    def mark_in_sheet(self, ids: Iterable[int]) -> None:
        """These link rows are now in the Kirim WA tab."""
        with self.db.connect() as db:
            db.executemany("UPDATE links_queue SET in_sheet = 1 WHERE id = ?", [(i,) for i in ids])

    def mark_ticked(self, link_id: int, at: str) -> bool:
        """Staff ticked the row as sent; True the first time."""
        with self.db.connect() as db:
            cursor = db.execute("UPDATE links_queue SET ticked_at = ? WHERE id = ? AND ticked_at IS NULL",
                                (at, link_id))
            return cursor.rowcount > 0


def purge_whatsapp(db: Database, now: datetime) -> None:
    """Forget numbers and texts no longer needed: old sent messages, windows and chats."""
    with db.connect() as conn:
        conn.execute("DELETE FROM wa_sent WHERE at < ? AND delivery_dirty = 0 AND resend_due != 1",
                     ((now - SENT_KEEP).isoformat(),))
        conn.execute("DELETE FROM wa_window WHERE last_inbound < ?", ((now - WINDOW).isoformat(),))
        conn.execute("DELETE FROM wa_chats WHERE updated_at < ?", ((now - CHAT_IDLE).isoformat(),))
