"""Acting as village staff on the register: what they do in the sheet, done directly.

Each store has its own hands; tests use the same verbs against both.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from pondok_sheets.register.model import header_key


class LocalStaff:
    """Staff working in the local SQLite register."""

    def __init__(self, path: Path):
        self.path = path

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    def headers(self, tab: str = "Permohonan") -> list[str]:
        with closing(self._db()) as db:
            return [r[1] for r in db.execute(f'PRAGMA table_info("{tab}")')]

    def rows(self, tab: str = "Permohonan") -> list[dict[str, str]]:
        """Every row as header -> value, in sheet order."""
        headers = self.headers(tab)
        with closing(self._db()) as db:
            return [dict(zip(headers, ("" if v is None else str(v) for v in r)))
                    for r in db.execute(f'SELECT * FROM "{tab}" ORDER BY rowid')]

    def row(self, ticket: str) -> dict[str, str]:
        """The Permohonan row with this ticket."""
        (found,) = [r for r in self.rows() if r["Tiket"] == ticket]
        return found

    def set(self, ticket: str, header: str, value: str) -> None:
        """Type `value` into the `header` cell of the row with `ticket`."""
        self.set_where("Permohonan", "Tiket", ticket, header, value)

    def set_where(self, tab: str, key_header: str, key: str, header: str, value: str) -> None:
        """Type `value` into the `header` cell of the `tab` row whose `key_header` cell is `key`."""
        column = next(h for h in self.headers(tab) if header_key(h) == header_key(header))
        with closing(self._db()) as db:
            db.execute(f'UPDATE "{tab}" SET "{column}" = ? WHERE "{key_header}" = ?', (value, key))

    def add_row(self, values: dict[str, str], tab: str = "Permohonan") -> None:
        """Type a new row below the others (a walk-in at the counter)."""
        headers = self.headers(tab)
        cells = [values.get(h, "") for h in headers]
        with closing(self._db()) as db:
            db.execute(f'INSERT INTO "{tab}" VALUES ({", ".join("?" for _ in headers)})', cells)

    def _rewrite(self, rows: list[dict[str, str]], tab: str = "Permohonan") -> None:
        headers = self.headers(tab)
        with closing(self._db()) as db:
            db.execute(f'DELETE FROM "{tab}"')
            db.executemany(f'INSERT INTO "{tab}" VALUES ({", ".join("?" for _ in headers)})',
                           [[r.get(h, "") for h in headers] for r in rows])

    def sort(self, header: str, reverse: bool = False) -> None:
        """Sort the data rows by one column, as Data > Sort range does."""
        self._rewrite(sorted(self.rows(), key=lambda r: r[header], reverse=reverse))

    def insert_row(self, at: int, values: dict[str, str] | None = None) -> None:
        """Insert a row before sheet row `at` (row 2 is the first data row)."""
        rows = self.rows()
        rows.insert(at - 2, values or {})
        self._rewrite(rows)

    def delete_row(self, at: int) -> None:
        """Delete sheet row `at`."""
        rows = self.rows()
        del rows[at - 2]
        self._rewrite(rows)

    def rename_header(self, old: str, new: str, tab: str = "Permohonan") -> None:
        with closing(self._db()) as db:
            db.execute(f'ALTER TABLE "{tab}" RENAME COLUMN "{old}" TO "{new}"')
