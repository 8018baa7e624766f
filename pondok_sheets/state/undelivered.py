"""Announcements WhatsApp reported undelivered after accepting them, and the numbers that failed.

A `failed` status webhook arrives after the sync wrote `… · dikabari` into Notifikasi. It is kept
here until the next sync rewrites that cell to `… · tidak terkirim: <reason>`; the ledger is changed
at once, so the resident no longer counts as told. The failed number is kept (as a keyed hash) so
the message is retried once staff type a different one. A failure Meta calls passing (a rate limit,
"something went wrong") is also retried with the same number: RETRY_AFTER later, then twice that,
at most MAX_RETRIES times in all.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from ..register.changes import SEPARATOR, TOLD, not_sent_text
from ..register.model import Status
from .db import Database
from .inbox import Notes
from .whatsapp import PhoneHasher

WAITING, FAILED_NUMBER, RETRY = "tidak_terkirim", "nomor_gagal", "coba_lagi"
RETRY_AFTER = timedelta(minutes=30)  # after the first passing failure; then 60, then 90 minutes
MAX_RETRIES = 3


class Undelivered:
    """Failed deliveries waiting for their Notifikasi cell, and the number each ticket last failed with."""

    def __init__(self, db: Database, notes: Notes, hasher: PhoneHasher):
        self.db = db
        self.notes = notes
        self._hash = hasher

    def note(self, ticket: str, status: str, reason: str, address: str, now: datetime, passing: bool = False) -> None:
        """WhatsApp could not deliver the announcement of `status`: untell the ledger, queue the cell. A
        `passing` failure is tried again later with the same number, a bounded number of times."""
        parsed = Status.parse(status)
        if parsed is None:
            return
        if passing:
            found = self.notes.get(RETRY, ticket)
            tries = json.loads(found[0])["tries"] + 1 if found else 1
            if tries <= MAX_RETRIES:
                at = now + RETRY_AFTER * tries
                self.notes.renew(RETRY, ticket, json.dumps({"tries": tries, "at": at.isoformat()}), now)
                reason = f"{reason} (dicoba lagi pukul {at:%H:%M})"
            else:
                self.notes.renew(RETRY, ticket, json.dumps({"tries": tries, "at": None}), now)  # given up
        self.notes.put(WAITING, ticket, json.dumps({"status": parsed.value, "reason": reason}), now)
        self.note_number(ticket, address, now)
        with self.db.connect() as db:
            db.execute("UPDATE ledger SET result = ? WHERE ticket = ? AND status = ? AND result LIKE ?",
                       (not_sent_text(parsed, reason), ticket, parsed.value, f"{parsed.value}{SEPARATOR}{TOLD}%"))

    def note_number(self, ticket: str, address: str, now: datetime) -> None:
        """The number (or user id) a message for `ticket` could not be delivered to."""
        self.notes.put(FAILED_NUMBER, ticket, self._hash(address), now)

    def failed_with(self, ticket: str, address: str) -> bool:
        """True if the last failed delivery for `ticket` went to this very number."""
        found = self.notes.get(FAILED_NUMBER, ticket)
        return found is not None and found[0] == self._hash(address)

    def has_failed(self, ticket: str) -> bool:
        """True if a delivery for `ticket` ever failed for good (so a fixed number is worth a retry)."""
        return self.notes.get(FAILED_NUMBER, ticket) is not None

    def retries_due(self, now: datetime) -> set[str]:
        """Tickets whose passing failure is to be tried again now."""
        due = set()
        for ticket, value, _ in self.notes.all(RETRY):
            at = json.loads(value)["at"]
            if at is not None and datetime.fromisoformat(at) <= now:
                due.add(ticket)
        return due

    def retried(self, ticket: str) -> None:
        """The retry went out: not again unless WhatsApp reports this one failed too (its tries are kept)."""
        found = self.notes.get(RETRY, ticket)
        if found:
            self.notes.put(RETRY, ticket, json.dumps({**json.loads(found[0]), "at": None}), datetime.fromisoformat(found[1]))

    def waiting(self) -> list[tuple[str, str, str]]:
        """(ticket, status, reason) of failures whose Notifikasi cell is still to be written."""
        found = []
        for ticket, value, _ in self.notes.all(WAITING):
            data = json.loads(value)
            found.append((ticket, data["status"], data["reason"]))
        return found

    def written(self, ticket: str) -> None:
        """The Notifikasi cell now says the message did not arrive (or the row moved on)."""
        self.notes.drop(WAITING, ticket)
