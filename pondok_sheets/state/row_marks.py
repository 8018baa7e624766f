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

Working out 50,000 fingerprints is itself most of a sync that finds ten rows changed, so they are also
remembered by block: each run of `BLOCK` rows, in sheet order, gets one keyed digest of all its cells
(one hash call per 100 rows, not per row), and the block's row fingerprints are stored beside it. A block
whose digest is known again holds exactly the rows it held, so its fingerprints are taken as stored; any
other block (an edited row, rows moved or deleted above it) has its rows fingerprinted one by one, as
before. This memo only saves work: what a sync skips is still decided by the kept fingerprints alone.
"""
from __future__ import annotations

import hashlib
import hmac
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from .db import Database

VERSION = 3  # raise it when what a kept row lets a sync skip changes: every row is then looked at once
BLOCK = 100  # rows per block digest: a 50,000-row register is 500 hash calls
ROW_END = "\x1e"  # between the rows of a block (the cells of a row are joined with \x1f)


class Context(NamedTuple):
    """What rows are read in, as the keyed hashers of a row's fingerprint and of a block's digest."""

    row: Any  # blake2b, 8 bytes, keyed
    block: Any  # HMAC-SHA-256 (SHA instructions make it the fastest keyed hash over megabytes here)


def fingerprints(rows: Iterable[Sequence[str]], context: Any) -> Iterator[int]:
    """Each row's fingerprint, lazily: a 64-bit number that changes whenever any cell of the row, or the
    context, changes (an int, not bytes: 50,000 of them are held during a sync). The join and the encoding
    run as C loops, only the keyed hash is per row (50,000 rows: ~0.1 s, so `RowMarks.fingerprints` memoizes blocks)."""
    copy, from_bytes = context.row.copy, int.from_bytes

    def one(data: bytes) -> int:
        hasher = copy()  # keyed once per sync, copied per row
        hasher.update(data)
        return from_bytes(hasher.digest(), "big", signed=True)  # an array('q') holds signed 64-bit numbers

    return map(one, map(str.encode, map("\x1f".join, rows)))


def context_of(*parts: object) -> Context:
    """The context rows are read in (headers, catalogue, …), folded into the keys of the rows' hashes."""
    key = hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=32).digest()
    return Context(hashlib.blake2b(digest_size=8, key=key),
                   hmac.new(key + BLOCK.to_bytes(4, "big"), digestmod="sha256"))  # a new BLOCK: no digest known


def block_digests(rows: Sequence[Sequence[str]], context: Context) -> list[bytes]:
    """A 16-byte keyed digest of each run of BLOCK rows: equal digests, equal rows (so equal fingerprints).
    A block with a cell holding ROW_END could be told from another only row by row: it gets no digest (b"")."""
    copy, join, out = context.block.copy, "\x1f".join, []
    for start in range(0, len(rows), BLOCK):
        part = rows[start:start + BLOCK]
        text = ROW_END.join(map(join, part))
        if text.count(ROW_END) != len(part) - 1:
            out.append(b"")
            continue
        hasher = copy()
        hasher.update(text.encode())
        out.append(hasher.digest()[:16])
    return out


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
        packed = array("q", list(marks))  # an array fills from a list in C: from a set it takes 3x as long
        if sys.byteorder != "little":
            packed.byteswap()
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO row_marks (id, marks) VALUES (1, ?)", (packed.tobytes(),))

    def fingerprints(self, rows: Sequence[Sequence[str]], context: Context) -> list[int]:
        """Every row's fingerprint, as `fingerprints` works them out, taken from the block memo where a
        block's digest is known; the memo is then kept as this read has it."""
        digests = block_digests(rows, context)
        known_digests, known = self._blocks()
        where = {digest: i for i, digest in enumerate(known_digests) if digest}
        marks: list[int] = []
        for i, digest in enumerate(digests):
            start = i * BLOCK
            part = rows[start:start + BLOCK]
            j = where.get(digest, -1) if digest else -1
            stored = known[j * BLOCK:j * BLOCK + BLOCK] if j >= 0 else ()
            if len(stored) == len(part):
                marks.extend(stored)
            else:
                marks.extend(fingerprints(part, context))
        if digests != known_digests or len(marks) != len(known):
            self._keep_blocks(digests, marks)
        return marks

    def _blocks(self) -> tuple[list[bytes], array]:
        """The block memo: each block's digest (b"" for none) and every row's fingerprint, in sheet order."""
        with self.db.connect() as db:
            found = db.execute("SELECT digests, marks FROM row_blocks WHERE id = 1").fetchone()
        marks = array("q")
        if found is None or len(found[0]) % 16 or len(found[1]) % 8:
            return [], marks
        marks.frombytes(found[1])
        none = bytes(16)  # a block kept without a digest
        digests = [d if d != none else b"" for d in (found[0][i:i + 16] for i in range(0, len(found[0]), 16))]
        if len(digests) != -(-len(marks) // BLOCK):  # not whole: as if there were none
            return [], array("q")
        if sys.byteorder != "little":
            marks.byteswap()
        return digests, marks

    def _keep_blocks(self, digests: Sequence[bytes], marks: Iterable[int]) -> None:
        packed = array("q", marks)
        if sys.byteorder != "little":
            packed.byteswap()
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO row_blocks (id, digests, marks) VALUES (1, ?, ?)",
                       (b"".join(d or bytes(16) for d in digests), packed.tobytes()))
