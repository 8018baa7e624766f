"""A tab as a grid of text: columns found by header text, rows found by their ticket."""
from __future__ import annotations

from collections.abc import Collection, Iterator, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import itemgetter

from ..errors import MissingHeader
from .model import TabSpec, header_key
from .tickets import all_upper


SHARED_VALUES = 64  # a column with at most this many distinct values shares one string per value


@dataclass(frozen=True)
class RowKey:
    """Which row a write is meant for, independent of where staff moved it.

    A row with a ticket is found by its ticket. Any other row (a walk-in staff typed
    without a ticket, a Log row by its message id) is found by the cells it had when
    read; `hint`, its row number then, only breaks ties between identical rows.
    """

    ticket: str = ""
    cells: tuple[tuple[str, str], ...] = ()
    hint: int = 0


@dataclass(frozen=True)
class CellWrite:
    """One cell to set: the row's key, the column's header, the new text."""

    key: RowKey
    column: str
    value: str


class Table:
    """The values of one tab, header row first, every value a string."""

    def __init__(self, name: str, grid: Sequence[Sequence[str]]):
        self.name = name
        self.headers = [str(h).strip() for h in grid[0]] if grid else []
        # A read's fresh lists are kept as they are (a copy of 50,000 rows costs ~10 MB); other rows are copied.
        self.rows = [r if type(r) is list else list(r) for r in grid[1:]]
        self._index = {header_key(h): i for i, h in reversed(list(enumerate(self.headers))) if h}

    def drop_rows(self) -> None:
        """Forget the rows, keep the headers: a 50,000-row grid is ~45 MB that no later step of a cycle reads."""
        self.rows = []

    def share_repeated(self) -> None:
        """Columns of a few repeated values (Status, Layanan, Saluran, …) keep one string per value instead
        of one per cell: ~10 MB less for 50,000 rows that are all kept a while (a read that derives them)."""
        shared: list[dict[str, str] | None] = [{} for _ in range(max(map(len, self.rows), default=0))]
        for row in self.rows:
            i = 0
            for v in row:
                seen = shared[i]
                if seen is not None:
                    kept = seen.setdefault(v, v)
                    if kept is not v:
                        row[i] = kept
                    elif len(seen) > SHARED_VALUES:
                        shared[i] = None  # a column of names or numbers: stop looking
                i += 1

    def column(self, header: str) -> int | None:
        """0-based position of `header`, or None when the tab has no such column."""
        return self._index.get(header_key(header))

    def require(self, spec: TabSpec) -> None:
        """Raise MissingHeader for the first header of `spec` this tab lacks."""
        for header in spec.required:
            if self.column(header) is None:
                raise MissingHeader(self.name, header)

    def cell(self, row: Sequence[str], header: str) -> str:
        """The text under `header` in `row` ('' for a missing column or a trimmed cell)."""
        i = self.column(header)
        return str(row[i]).strip() if i is not None and i < len(row) else ""

    def records(self, headers: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
        """(sheet row number, header -> value) for every non-blank row."""
        return list(self.iter_records(headers))

    def iter_records(self, headers: Iterable[str],
                     offsets: Iterable[int] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
        """`records`, one at a time: a caller that turns each into something smaller never holds 50,000 dicts.
        With `offsets` (0-based, ascending), only those rows."""
        columns = [(h, self.column(h)) for h in headers]  # looked up once, not per cell
        rows = self.rows
        for offset in range(len(rows)) if offsets is None else offsets:
            row = rows[offset]
            if any(str(v).strip() for v in row):
                width = len(row)
                yield offset + 2, {h: str(row[i]).strip() if i is not None and i < width else "" for h, i in columns}

    def values(self, header: str) -> list[str]:
        """Every row's text under `header`, in row order (none for a missing column)."""
        i = self.column(header)
        if i is None:
            return []
        try:  # as a C loop over 50,000 rows: every row reaches the column and holds text there
            return list(map(str.strip, map(itemgetter(i), self.rows)))
        except (IndexError, TypeError):  # a row trimmed short of it (a blank row), or a number
            return [str(row[i]).strip() if i < len(row) else "" for row in self.rows]

    def row_values(self, values: dict[str, str]) -> list[str]:
        """A new row laid out under this tab's headers; headers it lacks raise MissingHeader."""
        out = [""] * len(self.headers)
        for header, value in values.items():
            i = self.column(header)
            if i is None:
                raise MissingHeader(self.name, header)
            out[i] = value
        return out

    def locate(self, keys: Collection[RowKey], ticket_header: str = "Tiket") -> dict[RowKey, int]:
        """Sheet row numbers where each key's row is now; keys not found (or ambiguous) are left out."""
        found: dict[RowKey, int] = {}
        wanted = {key.ticket.upper() for key in keys if key.ticket}
        by_ticket: dict[str, list[int]] = {}  # only the tickets looked for: a register holds 50,000
        tickets = all_upper(self.values(ticket_header)) if wanted else []
        for row in compress(count(2), map(wanted.__contains__, tickets)):  # the rows looked for, found in C
            by_ticket.setdefault(tickets[row - 2], []).append(row)
        for key in keys:
            if key.ticket:
                rows = by_ticket.get(key.ticket.upper(), [])
                if len(rows) == 1:
                    found[key] = rows[0]
                continue
            matches = [offset + 2 for offset, row in enumerate(self.rows)
                       if all(self.cell(row, h) == v for h, v in key.cells)]
            if len(matches) == 1 or key.hint in matches:
                found[key] = key.hint if key.hint in matches else matches[0]
        return found
