"""The table seam: what the sync needs from wherever the register lives."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from ..errors import MissingHeader
from ..register.model import TABS, TabSpec
from ..register.table import CellWrite, RowKey, Table


class TableStore(ABC):
    """A register of tabs, each a grid of text under a header row."""

    @abstractmethod
    def read(self, tabs: Sequence[str], headers_only: Sequence[str] = ()) -> dict[str, Table]:
        """Every row of each tab in `tabs`, and just the header row of those in `headers_only`
        (the Log grows without end; the sync only needs its headers), in one request."""

    @abstractmethod
    def append(self, tab: str, rows: Sequence[Mapping[str, str]]) -> None:
        """Add rows (header -> value) below the last row of `tab`, in one request."""

    def want_column(self, tab: str, header: str) -> None:
        """A hint: `column_values(tab, header)` will be asked for before long (a store may fetch it along
        with a request it makes anyway)."""

    def column_values(self, tab: str, header: str) -> list[str]:
        """Every value below `header` in `tab`, in one read request (raises MissingHeader if it is gone)."""
        table = self.read([tab])[tab]
        if table.column(header) is None:
            raise MissingHeader(tab, header)
        return [values[header] for _, values in table.records((header,))]

    @abstractmethod
    def update_many(self, writes: Mapping[str, Sequence[CellWrite]]) -> list[CellWrite]:
        """Set the given cells of several tabs (tab -> writes), finding each row by its key
        right before writing, in one request.

        Returns the writes whose row could not be found (moved out of reach, deleted,
        or ambiguous); they are retried at the next sync.
        """

    def update(self, tab: str, writes: Sequence[CellWrite]) -> list[CellWrite]:
        """`update_many` for one tab."""
        return self.update_many({tab: writes}) if writes else []

    @abstractmethod
    def delete_rows(self, tab: str, keys: Sequence[RowKey]) -> list[RowKey]:
        """Delete the rows with these keys (found right before deleting); returns keys not found."""

    def change_mark(self) -> str | None:
        """A cheap mark that differs whenever the register may have changed, or None when this
        register has none (then every sync reads it). Raises StoreError when the check fails."""
        return None

    def writes_made(self) -> int:
        """How many write requests this store has sent so far (attempts, landed or not)."""
        return 0

    @abstractmethod
    def tab_names(self) -> list[str]:
        """The names of every tab, in order (one request)."""

    @abstractmethod
    def prepare(self, specs: Sequence[TabSpec] = TABS) -> list[str]:
        """Create missing tabs and headers; returns what was done, in Bahasa Indonesia."""
