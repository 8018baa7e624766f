"""Whether a sync must read the register, and what it remembers for the next one.

Before reading, one Drive files.get: if the spreadsheet's mark (`version|modifiedTime`) is the
one the last good cycle ended with, nothing changed and the cycle runs from the local copy
(timed work only). The register is still read in full when the mark differs, when Drive cannot
be asked (with a warning), when submissions wait, when the last cycle failed or the local copy
is missing, and at least every PONDOK_FULL_READ_MINUTES, because Drive may lag an edit and
cannot tell the service's own writes from a staff edit made at the same moment.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from ..errors import StoreError
from ..office import Office
from ..register.model import REQUEST_FIELDS, Request
from ..register.table import CellWrite, RowKey
from ..register.timed import is_timed
from .complaints import REPLIES_WAITING

log = logging.getLogger(__name__)
MARK = "register_mark"  # meta: {"mark": Drive's mark at the end of the last good cycle, "full_read_at": ISO time}


class ChangeCheck:
    """Asked once at the start of a cycle (`must_read`), told once at its end (`finish`)."""

    def __init__(self, office: Office, now: datetime, warnings: list[str]):
        self.office = office
        self.now = now
        self.warnings = warnings
        self.saved = office.state.meta.get(MARK) or None
        self.mark: str | None = None
        self.before_writing: str | None = None  # the mark right before the cycle's first write
        self.full = True
        self.reason = ""
        self.writes_before = office.store.writes_made()

    def must_read(self) -> bool:
        """Ask Drive (when the register has such a check) and decide; forget the saved mark until `finish`."""
        self.mark = self._ask()
        self.reason = self._why_read()
        self.full = bool(self.reason)
        # Until this cycle ends well, the next one reads in full: a crash never leaves a stale mark behind.
        self.office.state.meta.set(MARK, None)
        log.info("register %s", f"read in full: {self.reason}" if self.full else "unchanged: no read")
        if self.mark is not None and hasattr(self.office.store, "before_first_write"):
            self.office.store.before_first_write = self._mark_before_writing
        return self.full

    def _mark_before_writing(self) -> None:
        try:
            self.before_writing = self.office.store.change_mark()
        except StoreError as error:
            log.warning("Drive change check before writing failed: %s", error)

    def stop(self) -> None:
        """The cycle is over (well or not): the store's writes are no longer watched."""
        if getattr(self.office.store, "before_first_write", None) == self._mark_before_writing:
            self.office.store.before_first_write = None

    def _ask(self) -> str | None:
        try:
            return self.office.store.change_mark()
        except StoreError as error:
            if error.permanent:
                self.warnings.append(f"Pemeriksaan perubahan lewat Google Drive tidak tersedia ({error}); "
                                     f"register dibaca penuh setiap sinkron. Jalankan: python main.py doctor")
            log.warning("Drive change check failed, reading in full: %s", error)
            return None

    def _why_read(self) -> str:
        if self.mark is None:
            return "no change check"
        if not self.saved or not self.saved.get("mark"):
            return "no local copy, or the last cycle did not finish"
        if self.office.state.queue.has_pending():
            return "submissions to append"
        if self.office.state.voice.has_pending() or self.office.state.meta.get(REPLIES_WAITING):
            return "survey answers or complaints to append, or a complaint's answer to tell"
        if self.office.state.undelivered.waiting():  # a Notifikasi to correct before any reminder runs off it
            return "deliveries WhatsApp reported failed"
        if self.office.state.undelivered.retries_due(self.now):  # a row not tried again is not in the local copy
            return "a message to try again"
        last = datetime.fromisoformat(self.saved["full_read_at"])
        if self.now < last or self.now - last >= timedelta(minutes=self.office.settings.full_read_minutes):
            return "the safety net's interval"
        if self.mark != self.saved["mark"]:
            return "Drive says it changed"
        return ""

    def finish(self, requests: Sequence[Request], writes: Iterable[CellWrite], missed: Sequence[CellWrite],
               keys: Mapping[str, RowKey], headers: Mapping[str, Sequence[str]], read_again: bool = False) -> None:
        """Keep the rows timed work needs (with the service's landed writes), then the mark after the last write;
        `read_again`: the cycle left work only a read can finish (letters past its bound), so no mark is kept."""
        if self.mark is None:
            return  # no check: every sync reads, so no copy is needed
        missing = set(missed)
        rows = _with_writes(requests, [w for w in writes if w not in missing], keys)
        kept = [(r.ticket, r.row, _cells(r)) for r in rows if is_timed(r)]
        if self.full:
            self.office.state.register_copy.replace(kept, headers)
        else:
            self.office.state.register_copy.update(kept, [r.ticket for r in rows if not is_timed(r)])
        if missed or read_again:
            return  # a write that found no row, or letters still to draft: read in full next time
        mark = self.mark
        if self.office.store.writes_made() != self.writes_before:
            if self.before_writing != self.mark:
                return  # the sheet changed between the read and the first write: read it next time
            try:
                # Right after the cycle's last write, so its own writes do not count as a change. A staff
                # edit made while the cycle writes is absorbed too: the safety net's full read finds it.
                mark = self.office.store.change_mark()
            except StoreError as error:
                log.warning("Drive change check after writing failed: %s", error)
                return
        full_read_at = self.now.isoformat() if self.full else self.saved["full_read_at"]
        self.office.state.meta.set(MARK, {"mark": mark, "full_read_at": full_read_at})


def copied_requests(office: Office) -> list[Request]:
    """The rows kept for timed work, as Requests."""
    return [Request(**{REQUEST_FIELDS[h]: v for h, v in cells.items() if h in REQUEST_FIELDS}, row=row)
            for row, cells in office.state.register_copy.rows()]


def _cells(request: Request) -> dict[str, str]:
    return {header: getattr(request, attr) for header, attr in REQUEST_FIELDS.items()}


def _with_writes(requests: Sequence[Request], landed: Sequence[CellWrite], keys: Mapping[str, RowKey]) -> list[Request]:
    """The rows as they are after the cycle's own writes that landed (changed in place)."""
    tickets = {key: ticket for ticket, key in keys.items()}  # walk-ins: written by their cells, then ticketed
    by_ticket: dict[str, list[CellWrite]] = {}
    for write in landed:
        by_ticket.setdefault(write.key.ticket or tickets.get(write.key, ""), []).append(write)
    for request in requests:
        for write in by_ticket.get(request.ticket, []) if request.ticket else []:
            attr = REQUEST_FIELDS.get(write.column)
            if attr:
                setattr(request, attr, write.value)
    return [r for r in requests if r.ticket]
