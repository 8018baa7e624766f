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


class GoogleStaff:
    """Staff working in the Google Sheet (the fake Sheets API), typing as in the browser."""

    def __init__(self, api, spreadsheet_id: str):
        self.api = api
        self.id = spreadsheet_id

    def headers(self, tab: str = "Permohonan") -> list[str]:
        grid = self.api.values(self.id, tab)
        return [str(h) for h in grid[0]] if grid else []

    def rows(self, tab: str = "Permohonan") -> list[dict[str, str]]:
        """Every non-blank row as header -> displayed text, in sheet order."""
        grid = self.api.values(self.id, tab)
        if not grid:
            return []
        headers = grid[0]
        return [{h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)}
                for row in grid[1:] if any(str(v).strip() for v in row)]

    def row(self, ticket: str) -> dict[str, str]:
        (found,) = [r for r in self.rows() if r["Tiket"] == ticket]
        return found

    def _column(self, tab: str, header: str) -> int:
        return next(i for i, h in enumerate(self.headers(tab)) if header_key(h) == header_key(header)) + 1

    def _row_number(self, tab: str, key_header: str, key: str) -> int:
        grid = self.api.values(self.id, tab)
        column = self._column(tab, key_header) - 1
        return next(n for n, row in enumerate(grid, start=1) if column < len(row) and row[column] == key)

    def set(self, ticket: str, header: str, value: str) -> None:
        self.set_where("Permohonan", "Tiket", ticket, header, value)

    def set_where(self, tab: str, key_header: str, key: str, header: str, value: str) -> None:
        self.api.set_cell(self.id, tab, self._row_number(tab, key_header, key), self._column(tab, header), value)

    def add_row(self, values: dict[str, str], tab: str = "Permohonan") -> None:
        """Type a new row right below the last one."""
        at = len(self.api.values(self.id, tab)) + 1
        for header, value in values.items():
            self.api.set_cell(self.id, tab, at, self._column(tab, header), value)

    def sort(self, header: str, reverse: bool = False) -> None:
        self.api.sort_rows(self.id, "Permohonan", self._column("Permohonan", header), reverse=reverse)

    def insert_row(self, at: int, values: dict[str, str] | None = None) -> None:
        self.api.insert_row(self.id, "Permohonan", at)
        for header, value in (values or {}).items():
            self.api.set_cell(self.id, "Permohonan", at, self._column("Permohonan", header), value)

    def delete_row(self, at: int) -> None:
        self.api.delete_row(self.id, "Permohonan", at)

    def rename_header(self, old: str, new: str, tab: str = "Permohonan") -> None:
        self.api.rename_header(self.id, tab, old, new)
