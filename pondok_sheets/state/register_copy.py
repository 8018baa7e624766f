"""The register as the last read left it, as far as timed work needs it: no Google request to use it.

Only rows that time alone can make due are kept (a change still settling or held by quiet
hours, a pickup reminder to come), with the header row of every tab read. A sync that Drive
says has nothing new runs its timed work from here; a wiped disk loses the copy, and the
next sync reads in full (the mark that allows skipping the read is kept beside it).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from .db import Database


class RegisterCopy:
    """Rows (ticket, row number then, header -> cell) kept for timed work, and each tab's headers."""

    def __init__(self, db: Database):
        self.db = db

    def replace(self, rows: Iterable[tuple[str, int, Mapping[str, str]]], headers: Mapping[str, Sequence[str]]) -> None:
        """After a full read: exactly these rows and these tabs' headers."""
        with self.db.connect() as db:
            db.execute("DELETE FROM register_copy")
            db.executemany("INSERT OR REPLACE INTO register_copy VALUES (?, ?, ?)",
                           [(t, row, json.dumps(dict(cells))) for t, row, cells in rows])
            db.execute("DELETE FROM register_tabs")
            db.executemany("INSERT INTO register_tabs VALUES (?, ?)",
                           [(tab, json.dumps(list(h))) for tab, h in headers.items()])

    def update(self, keep: Iterable[tuple[str, int, Mapping[str, str]]], drop: Iterable[str]) -> None:
        """After a sync without a read: rows the service wrote to, kept or dropped as they now need."""
        with self.db.connect() as db:
            db.executemany("INSERT OR REPLACE INTO register_copy VALUES (?, ?, ?)",
                           [(t, row, json.dumps(dict(cells))) for t, row, cells in keep])
            db.executemany("DELETE FROM register_copy WHERE ticket = ?", [(t,) for t in drop])

    def rows(self) -> list[tuple[int, dict[str, str]]]:
        """(row number at the last read, header -> cell) of every kept row."""
        with self.db.connect() as db:
            return [(row, json.loads(cells)) for row, cells in
                    db.execute("SELECT row, cells FROM register_copy ORDER BY row")]

    def headers(self) -> dict[str, list[str]]:
        """Each tab's header row at the last read."""
        with self.db.connect() as db:
            return {tab: json.loads(h) for tab, h in db.execute("SELECT tab, headers FROM register_tabs")}
