"""The embedded default register: one SQLite table per tab, columns named like the sheet's headers.

Open `register.sqlite3` in any SQLite browser and it reads like the Google Sheet would.
Row order is insertion order (rowid), as rows sit in a sheet.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

from ..register.model import TABS, TabSpec, header_key
from ..register.table import CellWrite, RowKey, Table
from ..state.db import use_wal
from ..errors import StoreError
from .base import TableStore


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class LocalStore(TableStore):
    """A register kept in a SQLite file under the data folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def connect(self) -> sqlite3.Connection:
        """A connection that waits for other processes (serve and a CLI command) instead of failing."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        use_wal(db, 30)
        return db

    def _grid(self, db: sqlite3.Connection, tab: str) -> tuple[list[list[str]], list[int]]:
        headers = [r[1] for r in db.execute(f"PRAGMA table_info({_quote(tab)})")]
        if not headers:
            raise StoreError(f"Tab {tab} belum ada. Jalankan: python main.py init-sheet", permanent=True)
        rows = db.execute(f"SELECT rowid, * FROM {_quote(tab)} ORDER BY rowid").fetchall()
        grid = [headers] + [["" if v is None else str(v) for v in r[1:]] for r in rows]
        return grid, [r[0] for r in rows]

    def read(self, tabs: Sequence[str], headers_only: Sequence[str] = ()) -> dict[str, Table]:
        with closing(self.connect()) as db:
            tables = {tab: Table(tab, self._grid(db, tab)[0]) for tab in tabs}
            tables.update({tab: Table(tab, self._grid(db, tab)[0][:1]) for tab in headers_only})
            return tables

    def append(self, tab: str, rows: Sequence[Mapping[str, str]]) -> None:
        if not rows:
            return
        with closing(self.connect()) as db:
            table = Table(tab, self._grid(db, tab)[0])
            columns = ", ".join(_quote(h) for h in table.headers)
            marks = ", ".join("?" for _ in table.headers)
            db.execute("BEGIN IMMEDIATE")
            db.executemany(f"INSERT INTO {_quote(tab)} ({columns}) VALUES ({marks})",
                           [table.row_values(dict(r)) for r in rows])
            db.execute("COMMIT")

    def update_many(self, writes: Mapping[str, Sequence[CellWrite]]) -> list[CellWrite]:
        missed: list[CellWrite] = []
        if not any(writes.values()):
            return missed
        with closing(self.connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            for tab, tab_writes in writes.items():
                grid, rowids = self._grid(db, tab)
                table = Table(tab, grid)
                found = table.locate({w.key for w in tab_writes})
                for write in tab_writes:
                    column = table.column(write.column)
                    if write.key not in found or column is None:
                        missed.append(write)
                        continue
                    db.execute(f"UPDATE {_quote(tab)} SET {_quote(table.headers[column])} = ? WHERE rowid = ?",
                               (write.value, rowids[found[write.key] - 2]))
            db.execute("COMMIT")
        return missed

    def delete_rows(self, tab: str, keys: Sequence[RowKey]) -> list[RowKey]:
        with closing(self.connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            grid, rowids = self._grid(db, tab)
            found = Table(tab, grid).locate(keys)
            db.executemany(f"DELETE FROM {_quote(tab)} WHERE rowid = ?", [(rowids[n - 2],) for n in found.values()])
            db.execute("COMMIT")
        return [k for k in keys if k not in found]

    def tab_names(self) -> list[str]:
        with closing(self.connect()) as db:
            return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]

    def prepare(self, specs: Sequence[TabSpec] = TABS) -> list[str]:
        done = []
        with closing(self.connect()) as db:
            for spec in specs:
                existing = [r[1] for r in db.execute(f"PRAGMA table_info({_quote(spec.name)})")]
                if not existing:
                    columns = ", ".join(f"{_quote(h)} TEXT" for h in spec.headers)
                    db.execute(f"CREATE TABLE {_quote(spec.name)} ({columns})")
                    done.append(f"Tab {spec.name} dibuat.")
                    continue
                have = {header_key(h) for h in existing}
                for header in spec.headers:
                    if header_key(header) not in have:
                        db.execute(f"ALTER TABLE {_quote(spec.name)} ADD COLUMN {_quote(header)} TEXT")
                        done.append(f"Kolom '{header}' ditambahkan di tab {spec.name}.")
        return done
