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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .db import Database

VERSION = 2  # raise it when what a kept row lets a sync skip changes: every row is then looked at once


def fingerprints(rows: Iterable[Sequence[str]], context: Any) -> Iterator[int]:
    """Each row's fingerprint, lazily: a 64-bit number that changes whenever any cell of the row, or the
    context, changes (an int, not bytes: 50,000 of them are held during a sync). The join and the encoding
    run as C loops (a 50,000-row read is fingerprinted in ~0.05 s), only the keyed hash is per row."""
    copy, from_bytes = context.copy, int.from_bytes

    def one(data: bytes) -> int:
        hasher = copy()  # keyed once per sync, copied per row
        hasher.update(data)
        return from_bytes(hasher.digest(), "big", signed=True)  # SQLite's INTEGER is signed

    return map(one, map(str.encode, map("\x1f".join, rows)))


def context_of(*parts: object) -> Any:
    """The context rows are read in (headers, catalogue, …), folded into the key of the rows' hash."""
    key = hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=32).digest()
    return hashlib.blake2b(digest_size=8, key=key)


class RowMarks:
    """Ticket -> the fingerprint of its row at the last sync that derived it and found it needs nothing."""

    def __init__(self, db: Database):
        self.db = db

    def compare(self, marks: Mapping[str, int]) -> tuple[set[str], list[str]]:
        """The tickets whose fingerprint is the one kept, and the stale ones: kept for a row that changed since,
        or for a ticket `marks` no longer holds (gone from the register). One pass over the kept ones (streamed,
        never all held)."""
        unchanged: set[str] = set()
        stale: list[str] = []
        with self.db.connect() as db:
            for ticket, mark in db.execute("SELECT ticket, mark FROM row_marks"):
                if marks.get(ticket) == mark:
                    unchanged.add(ticket)
                else:
                    stale.append(ticket)
        return unchanged, stale

    def save(self, marks: Mapping[str, int], changed: Iterable[str]) -> None:
        """Keep the fingerprints of the `changed` tickets (rows that need nothing)."""
        with self.db.connect() as db:
            db.executemany("INSERT OR REPLACE INTO row_marks VALUES (?, ?)",
                           [(t, marks[t]) for t in changed if t in marks])

    def forget(self, tickets: Iterable[str]) -> None:
        """Forget these tickets' fingerprints: their rows are looked at until a sync finds them settled again."""
        with self.db.connect() as db:
            db.executemany("DELETE FROM row_marks WHERE ticket = ?", [(t,) for t in tickets])
