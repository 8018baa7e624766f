"""A fingerprint of each register row as the last sync saw it (issue 16: work that grows with what changed).

A sync reads the whole register when Drive says it changed. A row's fingerprint is kept here only when
the sync that derived it found it needs nothing (`register.timed.needs_nothing`: nothing to announce, no
reminder to come, no letter to draft). A later sync that finds the same fingerprint skips that row
entirely: no Request is built for it, and its local records (the public snapshot, the contacts, the
letters index) stand. A fingerprint covers every cell of the row, its ticket included, and the context
the cells are read in (the headers, the catalogue, the drafting status, and VERSION), so a renamed column
or a renamed service makes every row count as changed.

The kept fingerprints are a set of numbers, one blob: a row is unchanged when its fingerprint is in the
set (it covers the ticket, so no ticket is needed beside it). A changed row's new fingerprint could only
be taken for unchanged by matching one of the kept ones by chance: with 50,000 kept, about 1 in 3·10^14.
Losing this table only costs one sync that redoes every row.
"""
from __future__ import annotations

import hashlib
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .db import Database

VERSION = 3  # raise it when what a kept row lets a sync skip changes: every row is then looked at once


def fingerprints(rows: Iterable[Sequence[str]], context: Any) -> Iterator[int]:
    """Each row's fingerprint, lazily: a 64-bit number that changes whenever any cell of the row, or the
    context, changes (an int, not bytes: 50,000 of them are held during a sync). The join and the encoding
    run as C loops (a 50,000-row read is fingerprinted in ~0.05 s), only the keyed hash is per row."""
    copy, from_bytes = context.copy, int.from_bytes

    def one(data: bytes) -> int:
        hasher = copy()  # keyed once per sync, copied per row
        hasher.update(data)
        return from_bytes(hasher.digest(), "big", signed=True)  # an array('q') holds signed 64-bit numbers

    return map(one, map(str.encode, map("\x1f".join, rows)))


def context_of(*parts: object) -> Any:
    """The context rows are read in (headers, catalogue, …), folded into the key of the rows' hash."""
    key = hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=32).digest()
    return hashlib.blake2b(digest_size=8, key=key)


class RowMarks:
    """The fingerprints of the rows the last syncs derived and found needing nothing."""

    def __init__(self, db: Database):
        self.db = db

    def load(self) -> set[int]:
        """Every kept fingerprint (none when the table is empty, or its blob is not whole)."""
        with self.db.connect() as db:
            found = db.execute("SELECT marks FROM row_marks WHERE id = 1").fetchone()
        if found is None or len(found[0]) % 8:
            return set()
        marks = array("q")
        marks.frombytes(found[0])
        if sys.byteorder != "little":  # stored little-endian, so the file may move between machines
            marks.byteswap()
        return set(marks)

    def keep(self, marks: Iterable[int]) -> None:
        """Keep exactly these fingerprints (one blob: 400 kB for 50,000 rows)."""
        packed = array("q", marks)
        if sys.byteorder != "little":
            packed.byteswap()
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO row_marks (id, marks) VALUES (1, ?)", (packed.tobytes(),))
