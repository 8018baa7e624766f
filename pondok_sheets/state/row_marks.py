"""A fingerprint of each register row as the last sync saw it (issue 16: work that grows with what changed).

A sync reads the whole register when Drive says it changed. A row is kept here only when the sync
that derived it found it needs nothing (`register.timed.needs_nothing`: nothing to announce, no
reminder to come, no letter to draft). A later sync that finds the same fingerprint skips that row
entirely: no Request is built for it, and its local records (the public snapshot, the contacts, the
letters index) stand. A fingerprint covers the row's cells and the context they are read in (the
headers, the catalogue, the drafting status, and VERSION), so a renamed column or a renamed service
makes every row count as changed. Losing this table only costs one sync that redoes every row.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .db import Database, forget_absent

VERSION = 2  # raise it when what a kept row lets a sync skip changes: every row is then looked at once


def fingerprint(cells: Sequence[str], context: Any) -> int:
    """A 64-bit number that changes whenever any cell of the row, or the context, changes (an int, not
    bytes: 50,000 of them are held during a sync)."""
    hasher = context.copy()  # keyed once per sync, copied per row
    hasher.update("\x1f".join(cells).encode())
    return int.from_bytes(hasher.digest(), "big", signed=True)  # SQLite's INTEGER is signed


def context_of(*parts: object) -> Any:
    """The context rows are read in (headers, catalogue, …), folded into the key of the rows' hash."""
    key = hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=32).digest()
    return hashlib.blake2b(digest_size=8, key=key)


class RowMarks:
    """Ticket -> the fingerprint of its row at the last sync that derived it and found it needs nothing."""

    def __init__(self, db: Database):
        self.db = db

    def unchanged(self, marks: Mapping[str, int]) -> set[str]:
        """The tickets whose fingerprint is the one kept (the kept ones are streamed, never all held)."""
        with self.db.connect() as db:
            return {ticket for ticket, mark in db.execute("SELECT ticket, mark FROM row_marks")
                    if marks.get(ticket) == mark}

    def save(self, marks: Mapping[str, int], changed: Iterable[str], present: set[str]) -> None:
        """Keep the fingerprints of the `changed` tickets (rows that need nothing); forget tickets no longer
        `present` in the register."""
        with self.db.connect() as db:
            forget_absent(db, "row_marks", present)
            db.executemany("INSERT OR REPLACE INTO row_marks VALUES (?, ?)",
                           [(t, marks[t]) for t in changed if t in marks])
