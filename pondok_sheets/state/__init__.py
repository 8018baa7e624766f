"""Local state beside the register: a buffer and a cache, never the source of truth.

One SQLite file (`state.sqlite3`, versioned schema in `db.py`) holds the books below.
Losing it (a free host's redeploy) loses at most submissions not yet flushed; the
register's Notifikasi and Tiket cells keep every other promise.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .db import Database
from .inbox import Decisions, Inbox, Notes, Replies, purge_inbox
from .ledger import Ledger
from .letters import LetterBook
from .outbox import ConsoleOutbox, PendingLog
from .queue import IntakeQueue, QueuedRequest
from .register_copy import RegisterCopy
from .row_marks import RowMarks
from .snapshot import JobClock, Meta, Snapshot
from .undelivered import Undelivered
from .voice import VoiceBook
from .whatsapp import (
    ChatBook,
    ContactBook,
    LinkMessage,
    LinkQueue,
    PhoneHasher,
    SentLog,
    SentMessage,
    WindowBook,
    purge_whatsapp,
)

__all__ = ["State", "QueuedRequest", "SentMessage", "LinkMessage"]


class State:
    """Every book of the state file; each collaborator is handed only the books it needs."""

    def __init__(self, path: Path, secret: str):
        self.db = Database(path)
        self.queue = IntakeQueue(self.db)
        self.ledger = Ledger(self.db)
        self.snapshot = Snapshot(self.db)
        self.meta = Meta(self.db)
        self.register_copy = RegisterCopy(self.db)
        self.row_marks = RowMarks(self.db)
        self.jobs = JobClock(self.db)
        self.outbox = ConsoleOutbox(self.db)
        self.log = PendingLog(self.db)
        hasher = PhoneHasher(secret)
        self.contacts = ContactBook(self.db, hasher)
        self.windows = WindowBook(self.db, hasher)
        self.inbox = Inbox(self.db)
        self.decisions = Decisions(self.db)
        self.replies = Replies(self.db)
        self.notes = Notes(self.db)
        self.hash = hasher
        self.undelivered = Undelivered(self.db, self.notes, hasher)
        self.chats = ChatBook(self.db)
        self.sent = SentLog(self.db)
        self.links = LinkQueue(self.db)
        self.letters = LetterBook(self.db)
        self.voice = VoiceBook(self.db)  # survey answers and complaints (issue 15)

    def purge(self, now: datetime) -> None:
        """Drop personal data past its keeping time."""
        purge_whatsapp(self.db, now)
        purge_inbox(self.db, now)
