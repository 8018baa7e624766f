"""A fingerprint of each register row as the last sync saw it (issue 16: work that grows with what changed).

A sync reads the whole register when Drive says it changed, but derives its local records (the
public snapshot, the contacts, the letters index) again only for the rows whose fingerprint moved.
A fingerprint covers the row's cells and the context they are read in (the headers, the catalogue),
so a renamed column or a renamed service makes every row count as changed. Losing this table only
costs one sync that redoes every row.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from .db import Database


def fingerprint(cells: Sequence[str], context: bytes) -> bytes:
    """12 bytes that change whenever any cell of the row, or the context, changes."""
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=12, key=context[:64]).digest()


def context_of(*parts: object) -> bytes:
    """The context rows are read in (headers, catalogue), folded into a fingerprint key."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=32).digest()


class RowMarks:
    """Ticket -> the fingerprint of its row at the last sync that finished deriving from it."""

    def __init__(self, db: Database):
        self.db = db

    def all(self) -> dict[str, bytes]:
        """Every ticket's fingerprint."""
        with self.db.connect() as db:
            return dict(db.execute("SELECT ticket, mark FROM row_marks"))

    def save(self, marks: Mapping[str, bytes], changed: Iterable[str], present: set[str]) -> None:
        """Keep the fingerprints of the `changed` tickets; forget tickets no longer `present` in the register."""
        with self.db.connect() as db:
            gone = [(t,) for (t,) in db.execute("SELECT ticket FROM row_marks") if t not in present]
            db.executemany("DELETE FROM row_marks WHERE ticket = ?", gone)
            db.executemany("INSERT OR REPLACE INTO row_marks VALUES (?, ?)",
                           [(t, marks[t]) for t in changed if t in marks])
