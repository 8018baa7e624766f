"""The register in a real Google Sheet, through gspread's HTTP client and a service account.

gspread is imported on the first Sheets call (`client`): Drive's change check needs only the
session (`google`), so an idle sync never loads it.

Budget (Google allows 60 reads and 60 writes a minute per service account, a batch
counting once): `read` is one values:batchGet over every tab; `update` re-reads the
header row and the key columns (one batchGet) and writes every cell in one
values:batchUpdate; `append` is one values:append. Values are written RAW, so
nothing a resident typed ever becomes a formula.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from google.auth.exceptions import GoogleAuthError

from ..config import Settings
from ..errors import MissingHeader, StoreError
from ..register.model import TABS, TabSpec
from ..register.table import CellWrite, RowKey, Table
from .base import TableStore
from .drive import change_mark
from .google_api import SCOPES, GoogleRefused, GoogleSession, column_letter, explain, quote_tab, read_key
from .google_token import FILE_NAME, KeptToken, binding
from .google_setup import prepare_sheet
from .sheet_values import READ_PARAMS, cell_text, to_grid

if TYPE_CHECKING:
    from .sheets_client import BoundedSheetsClient

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"values_batch_update", "values_append", "batch_update", "values_update",
                           "values_clear", "values_batch_clear"})


def columns_moved(tab: str) -> StoreError:
    """Staff moved a key column between the header read and the write: nothing is written this time."""
    return StoreError(f"Urutan kolom tab {tab} berubah saat sinkron; dicoba lagi pada sinkron berikutnya.")


class GoogleStore(TableStore):
    """A Google Sheet as the register."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.spreadsheet_id = settings.sheet_id
        self._google: GoogleSession | None = None
        self._client: BoundedSheetsClient | None = None
        self._headers: dict[str, list[str]] = {}  # header rows as of the last read
        self._fresh: set[str] = set()  # tabs whose header row was re-read since then
        self._wanted: set[tuple[str, str]] = set()  # (tab, header): columns to fetch with the next header read
        self._columns: dict[tuple[str, str], list[str]] = {}  # such columns, fetched since the last read
        self._writes = 0  # write requests sent: the cycle asks Drive again after its own writes
        self.before_first_write: Callable[[], None] | None = None  # called once, right before the next write

    @classmethod
    def from_settings(cls, settings: Settings) -> "GoogleStore":
        """The sheet and credentials named by the settings (the key is read on first use)."""
        return cls(settings)

    @property
    def google(self) -> GoogleSession:
        """The bounded session every call goes through, built on first use so a missing key is reported
        where it matters."""
        if self._google is None:
            key = read_key(self.settings.google_credentials, self.settings.google_credentials_json)
            kept = KeptToken(self.settings.data_dir / FILE_NAME, binding(key, SCOPES))
            self._google = GoogleSession(key, api_url=self.settings.sheets_api_url, kept=kept)
        return self._google

    @property
    def client(self) -> BoundedSheetsClient:
        """gspread's client over that session, imported on the first Sheets call."""
        if self._client is None:
            from .sheets_client import BoundedSheetsClient

            self._client = BoundedSheetsClient(self.google)
        return self._client

    @property
    def account(self) -> str:
        """The service account's e-mail: the address staff share the sheet with."""
        return self.google.account

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One gspread client call on this spreadsheet, Google's failures explained as StoreError."""
        client = self.client
        if method in WRITE_METHODS:
            hook, self.before_first_write = self.before_first_write, None
            if hook is not None:
                hook()
            self._writes += 1  # counted before sending: a write that timed out may still have landed
        try:
            return getattr(client, method)(self.spreadsheet_id, *args, **kwargs)
        except GoogleRefused as error:
            message = str(error.error.get("message", ""))
            if error.code == 400 and "Unable to parse range" in message:
                tab = message.split(":", 1)[-1].strip().split("!")[0].strip("'")
                raise StoreError(f"Tab '{tab}' tidak ada di Google Sheet. Jalankan: python main.py init-sheet",
                                 permanent=True) from None
            raise explain(error, self.account) from None
        except (OSError, GoogleAuthError) as error:  # time-outs, refused connections, token errors
            raise explain(error, self.account) from None

    def change_mark(self) -> str | None:
        """Drive's `version|modifiedTime` of the spreadsheet (one files.get, no Sheets request)."""
        return change_mark(self.google, self.spreadsheet_id)

    def writes_made(self) -> int:
        """Write requests sent so far by this store."""
        return self._writes

    def read(self, tabs: Sequence[str], headers_only: Sequence[str] = ()) -> dict[str, Table]:
        ranges = [quote_tab(t) for t in tabs] + [f"{quote_tab(t)}!1:1" for t in headers_only]
        answer = self.call("values_batch_get", ranges, params=dict(READ_PARAMS))
        tables = {}
        for tab, value_range in zip([*tabs, *headers_only], answer.get("valueRanges", [])):
            tables[tab] = Table(tab, to_grid(value_range.get("values", [])))
        # What this read saw replaces what earlier ones did: a tab deleted since is forgotten.
        self._headers = {tab: table.headers for tab, table in tables.items()}
        self._fresh.clear()
        self._columns.clear()
        return tables

    def _refresh_headers(self, extra: Mapping[str, Sequence[int]] = {}) -> dict[str, list[list[Any]]]:
        """Re-read every known tab's header row (and some key columns) in one request."""
        tabs = list(self._headers)
        ranges = [f"{quote_tab(t)}!1:1" for t in tabs]
        wanted = {(tab, header): index for tab, header in self._wanted
                  if (index := self._column_index(tab, header)) is not None}
        self._wanted.clear()
        columns = [(tab, i) for tab, indexes in extra.items() for i in indexes]
        columns += [key for key in ((tab, i) for (tab, _), i in wanted.items()) if key not in columns]
        ranges += [f"{quote_tab(tab)}!{column_letter(i)}:{column_letter(i)}" for tab, i in columns]
        answer = self.call("values_batch_get", ranges, params=dict(READ_PARAMS))
        value_ranges = answer.get("valueRanges", [])
        for tab, value_range in zip(tabs, value_ranges):
            values = value_range.get("values", [[]])
            self._headers[tab] = [str(h).strip() for h in values[0]] if values else []
            self._fresh.add(tab)
        fetched = {f"{tab}:{i}": vr.get("values", []) for (tab, i), vr in zip(columns, value_ranges[len(tabs):])}
        for (tab, header), index in wanted.items():
            if self._column_index(tab, header) == index:  # not moved since the last read
                rows = fetched[f"{tab}:{index}"][1:]
                self._columns[(tab, header)] = [cell_text(r[0], header) if r else "" for r in rows]
        return fetched

    def append(self, tab: str, rows: Sequence[Mapping[str, str]]) -> None:
        if not rows:
            return
        self._columns = {key: values for key, values in self._columns.items() if key[0] != tab}
        if tab not in self._fresh:
            self._headers.setdefault(tab, [])
            self._refresh_headers()  # lay the rows out under the headers as they are now
        table = Table(tab, [self._headers[tab]])
        first = next((i for i, h in enumerate(table.headers) if h), 0)
        values = [table.row_values(dict(r))[first:] for r in rows]
        # Google appends after the "table" it detects, starting at the table's first column:
        # start the range (and the values) at the first header, so a blank column A can't shift them.
        answer = self.call("values_append", f"{quote_tab(tab)}!{column_letter(first)}1",
                            params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                            body={"majorDimension": "ROWS", "values": values})
        landed = answer.get("updates", {}).get("updatedRange", "")
        start = re.sub(r"\d", "", landed.split("!")[-1].split(":")[0])
        if start and start != column_letter(first):
            log.error("append to %s landed at %s, expected column %s", tab, landed, column_letter(first))
            raise StoreError(f"Baris baru di tab {tab} tertulis mulai kolom {start}, bukan "
                             f"{column_letter(first)}. Periksa kolom kosong di kiri tabel.", permanent=True)

    def _column_index(self, tab: str, header: str) -> int | None:
        """Where `header` stands in the tab's header row as last seen (None: not there, or tab unknown)."""
        return Table(tab, [self._headers.get(tab, [])]).column(header)

    def want_column(self, tab: str, header: str) -> None:
        """Fetch this column with the next request that re-reads the header rows anyway (before a write)."""
        self._wanted.add((tab, header))

    def column_values(self, tab: str, header: str) -> list[str]:
        """One column: as fetched with a header read since `want_column`, else found under its header as the
        last read saw it and re-read with every header row (one request, so an append right after needs no
        header read of its own)."""
        if (tab, header) in self._columns:
            return self._columns.pop((tab, header))
        self._headers.setdefault(tab, [])
        index = self._column_index(tab, header)
        if index is None:
            self._refresh_headers()
            index = self._column_index(tab, header)
            if index is None:
                raise MissingHeader(tab, header)
        column = self._refresh_headers({tab: [index]})[f"{tab}:{index}"]
        if self._column_index(tab, header) != index:
            raise columns_moved(tab)
        return [cell_text(row[0], header) if row else "" for row in column[1:]]

    def update_many(self, writes: Mapping[str, Sequence[CellWrite]]) -> list[CellWrite]:
        writes = {tab: list(w) for tab, w in writes.items() if w}
        if not writes:
            return []
        located = self._locate({tab: {w.key for w in tab_writes} for tab, tab_writes in writes.items()})
        data, missed = [], []
        for tab, tab_writes in writes.items():
            now, found = located[tab]
            for write in tab_writes:
                column = now.column(write.column)
                if write.key not in found or column is None:
                    missed.append(write)
                    continue
                data.append({"range": f"{quote_tab(tab)}!{column_letter(column)}{found[write.key]}",
                             "values": [[write.value]]})
        if data:
            self.call("values_batch_update", body={"valueInputOption": "RAW", "data": data})
        return missed

    def _locate(self, keys: Mapping[str, set[RowKey]]) -> dict[str, tuple[Table, dict[RowKey, int]]]:
        """Where each key's row is now, per tab, and the tab's headers as they are now.

        One request re-reads every header row and the key columns, right before the write
        that follows; if staff moved a key column in between, nothing is written this time.
        """
        unknown = [tab for tab in keys if tab not in self._headers]
        if unknown:
            self._headers.update({tab: [] for tab in unknown})
            self._refresh_headers()
        positions: dict[str, dict[str, int]] = {}
        for tab, tab_keys in keys.items():
            before = Table(tab, [self._headers[tab]])
            needed = {h for k in tab_keys for h, _ in k.cells}
            needed |= {"Tiket"} if any(k.ticket for k in tab_keys) else set()
            positions[tab] = {}
            for header in needed:
                index = before.column(header)
                if index is None:
                    raise MissingHeader(tab, header)
                positions[tab][header] = index
        columns = self._refresh_headers({tab: sorted(set(p.values())) for tab, p in positions.items()})
        located = {}
        for tab, tab_keys in keys.items():
            now = Table(tab, [self._headers[tab]])
            if any(now.column(h) != i for h, i in positions[tab].items()):
                raise columns_moved(tab)
            located[tab] = (now, self._key_table(tab, now, positions[tab], columns).locate(tab_keys))
        return located

    @staticmethod
    def _key_table(tab: str, now: Table, positions: Mapping[str, int],
                   columns: Mapping[str, list[list[Any]]]) -> Table:
        """A narrow copy of the tab holding only the re-read key columns, row for row, to locate rows in
        (row numbers are the sheet's: only the columns are left out)."""
        names = list(positions)
        if len(names) == 1:  # the usual case, the Tiket column: the answer's own one-cell rows, as text
            return Table(tab, to_grid([names] + columns[f"{tab}:{positions[names[0]]}"][1:]))
        height = max((len(columns[f"{tab}:{i}"]) for i in positions.values()), default=1)
        grid: list[list[str]] = [names] + [[""] * len(names) for _ in range(height - 1)]
        for j, header in enumerate(names):
            for r, row in enumerate(columns[f"{tab}:{positions[header]}"][1:], start=1):
                grid[r][j] = (row[0] if type(row[0]) is str else cell_text(row[0], header)) if row else ""
        return Table(tab, grid)

    def delete_rows(self, tab: str, keys: Sequence[RowKey]) -> list[RowKey]:
        if not keys:
            return []
        meta = self.call("fetch_sheet_metadata", params={"fields": "sheets.properties(sheetId,title)"})
        sheet_id = next(s["properties"]["sheetId"] for s in meta.get("sheets", []) if s["properties"]["title"] == tab)
        _, found = self._locate({tab: set(keys)})[tab]
        # Bottom-up, so deleting one row does not shift the next one to delete.
        requests = [{"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                                   "startIndex": row - 1, "endIndex": row}}}
                    for row in sorted(found.values(), reverse=True)]
        if requests:
            self.call("batch_update", {"requests": requests})
        return [k for k in keys if k not in found]

    def tab_names(self) -> list[str]:
        meta = self.call("fetch_sheet_metadata", params={"fields": "sheets.properties.title"})
        return [sheet["properties"]["title"] for sheet in meta.get("sheets", [])]

    def prepare(self, specs: Sequence[TabSpec] = TABS) -> list[str]:
        done = prepare_sheet(self, specs)
        self._headers.clear()  # headers were added: what was cached is out of date
        self._fresh.clear()
        return done
