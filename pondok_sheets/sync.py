"""One sync cycle: flush the intake queue, read the register once, announce changes, write back.

Order matters for "never twice, never lost":
1. one read of every tab (only the header row of Log);
2. queued tickets already in the register are marked flushed (a crash after an earlier
   append left them there), never appended again;
3. messages go out first, each recorded in the local ledger, so a failed write below
   never causes a second message;
4. then one update of cells (found by ticket right before writing), one append of new
   rows, one append to Log: at most 2 reads and 3 writes, whatever the number of changes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from .config import Settings
from .intake import find_service, format_time
from .messengers import Messenger, MessengerError
from .register.catalog import services_from_rows
from .register.changes import (
    BAD_NUMBER, Due, due_announcements, fingerprint, is_walkin, not_sent_text, read_requests, told_text,
    walkin_cells, walkin_key,
)
from .register.messages import Notice, render, template_params, wording_from_rows
from .register.model import LAYANAN, LOG, PERMOHONAN, PESAN, REQUEST_FIELDS, Request, Status
from .register.table import CellWrite, MissingHeader, RowKey, Table
from .register.tickets import new_ticket
from .register.validation import unneutralize
from .state import PublicStatus, State
from .stores.base import StoreError, TableStore

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    """What one cycle did; `error` is set when it stopped early (the rest stays queued)."""

    flushed: int = 0
    walkins: int = 0
    sent: int = 0
    not_sent: int = 0
    retry_later: int = 0
    unplaced: int = 0
    error: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the cycle ran to the end."""
        return not self.error

    def summary(self) -> str:
        """One line in Bahasa Indonesia for staff and the cron log."""
        line = (f"{self.flushed} permohonan baru masuk register, {self.walkins} baris loket diberi tiket, "
                f"{self.sent} pesan terkirim, {self.not_sent} tidak terkirim, "
                f"{self.retry_later} dicoba lagi nanti")
        if self.unplaced:
            line += f", {self.unplaced} sel menunggu baris ditemukan"
        return f"GAGAL: {self.error} ({line})" if self.error else line


def ticket_link(settings: Settings, ticket: str) -> str:
    """The public status page of a ticket, as residents receive it."""
    return f"{settings.public_url or 'http://localhost:8080'}/tiket/{ticket}"


class SyncCycle:
    """One run of the cycle; create a new one per run."""

    def __init__(self, store: TableStore, state: State, messenger: Messenger, settings: Settings,
                 now: datetime):
        self.store, self.state, self.messenger, self.settings = store, state, messenger, settings
        self.now = now
        self.stamp = format_time(now)
        self.report = CycleReport()
        self.writes: list[CellWrite] = []
        self.walkin_keys: dict[str, RowKey] = {}  # walk-ins are found by their cells until their ticket lands

    def run(self) -> CycleReport:
        """Do the whole cycle; errors from the register end it with `report.error` set."""
        try:
            self._run()
        except (StoreError, MissingHeader) as error:
            self.report.error = str(error)
            log.warning("sync stopped: %s", error)
        return self.report

    def _run(self) -> None:
        tables = self.store.read([PERMOHONAN.name, LAYANAN.name, PESAN.name], headers_only=[LOG.name])
        for spec in (PERMOHONAN, LAYANAN, PESAN, LOG):
            tables[spec.name].require(spec)
        permohonan = tables[PERMOHONAN.name]
        self.services = services_from_rows([v for _, v in tables[LAYANAN.name].records(LAYANAN.headers)])
        self.wording = wording_from_rows([v for _, v in tables[PESAN.name].records(PESAN.headers)])
        requests = read_requests(permohonan)
        present = {r.ticket for r in requests if r.ticket}

        pending = self.state.pending()
        self.state.mark_flushed([q.ticket for q in pending if q.ticket in present], self.stamp)
        new_rows = [dict(q.row) for q in pending if q.ticket not in present]
        new_requests = [_request_from_row(row) for row in new_rows]

        for request in filter(is_walkin, requests):
            self._give_ticket(request)

        due, notes = due_announcements(requests + new_requests)
        results = {d.request.ticket: self._announce(d) for d in due}
        for row in new_rows:
            row["Notifikasi"] = results.get(row["Tiket"], row.get("Notifikasi", ""))
        for request in requests:
            if request.ticket in results and results[request.ticket] != request.notified:
                self._write(request, "Notifikasi", results[request.ticket])
                self._write(request, "Diperbarui", self.stamp)
            if request.ticket in notes:
                self._write(request, "Notifikasi", notes[request.ticket])

        self._save_snapshot(requests + new_requests)
        # The update re-reads the header rows, so the appends below lay rows out as the sheet is now.
        missed = self.store.update(PERMOHONAN.name, self.writes)
        self.report.unplaced = len(missed)
        if missed:
            log.warning("%d cell writes found no row this cycle; retried next sync", len(missed))
        if new_rows:
            self.store.append(PERMOHONAN.name, new_rows)
            self.state.mark_flushed([row["Tiket"] for row in new_rows], self.stamp)
            self.report.flushed = len(new_rows)
        self._flush_log()

    def _write(self, request: Request, header: str, value: str) -> None:
        key = self.walkin_keys.get(request.ticket) or RowKey(ticket=request.ticket)
        self.writes.append(CellWrite(key, header, value))

    def _give_ticket(self, request: Request) -> None:
        key = walkin_key(request)
        ticket = self.state.walkin_ticket(fingerprint(request),
                                          new_ticket(self.settings.ticket_prefix, self.state.is_known_ticket))
        self.walkin_keys[ticket] = key
        for header, value in walkin_cells(request, ticket, self.stamp).items():
            setattr(request, REQUEST_FIELDS[header], value)
            self._write(request, header, value)
        self.report.walkins += 1
        log.info("walk-in row %d given ticket %s", request.row, ticket)

    def _announce(self, due: Due) -> str:
        """Tell the resident (once); returns the Notifikasi value to write."""
        request, status = due.request, due.status
        prior = self.state.was_sent(request.ticket, status.value, request.notified)
        if prior is not None:
            return prior
        if due.phone is None:
            result = not_sent_text(status, BAD_NUMBER)
            self._log(request.ticket, "-", "status", "", f"tidak terkirim: {BAD_NUMBER}", "")
            self.report.not_sent += 1
        else:
            notice = self._compose(request, status, due)
            try:
                message_id = self.messenger.send(notice, self.now)
            except MessengerError as error:
                self._log(request.ticket, due.phone.masked, notice.kind, notice.text,
                          f"gagal: {error.reason}" if error.permanent else f"gagal sementara: {error.reason}", "")
                if not error.permanent:
                    self.report.retry_later += 1
                    log.warning("message for %s not sent, retried next sync: %s", request.ticket, error.reason)
                    return request.notified
                result = not_sent_text(status, error.reason)
                self.report.not_sent += 1
            else:
                result = told_text(status, self.stamp)
                self._log(request.ticket, due.phone.masked, notice.kind, notice.text, "terkirim", message_id)
                self.report.sent += 1
        self.state.record_sent(request.ticket, status.value, request.notified, result, self.stamp)
        return result

    def _compose(self, request: Request, status: Status, due: Due) -> Notice:
        service = find_service(self.services, request.service)
        values = {
            "nama": unneutralize(request.name), "tiket": request.ticket,
            "layanan": service.name if service else request.service, "status": status.value,
            "catatan": unneutralize(request.note), "desa": self.settings.village,
            "tautan": ticket_link(self.settings, request.ticket),
        }
        assert due.phone is not None
        return Notice(to=due.phone, text=render(self.wording[status], values), kind="status",
                      ticket=request.ticket, status=status.value, params=template_params(values))

    def _log(self, ticket: str, kepada: str, kind: str, text: str, result: str, message_id: str) -> None:
        self.state.queue_log([{
            "Waktu": self.stamp, "Tiket": ticket, "Kepada": kepada, "Jenis": kind,
            "Saluran": self.messenger.label, "Isi": text, "Hasil": result, "ID Pesan": message_id,
        }])

    def _flush_log(self) -> None:
        rows = self.state.pending_log()
        if rows:
            self.store.append(LOG.name, [row for _, row in rows])
            self.state.drop_log([i for i, _ in rows])

    def _save_snapshot(self, requests: list[Request]) -> None:
        statuses = [
            PublicStatus(r.ticket, _service_name(self.services, r.service), r.status, r.received, r.updated)
            for r in requests if r.ticket
        ]
        services = [s.__dict__ | {"requirements": list(s.requirements)} for s in self.services]
        wording = {s.value: text for s, text in self.wording.items()}
        self.state.save_snapshot(statuses, {"services": services, "wording": wording, "synced_at": self.stamp},
                                 self.stamp)


def _service_name(services: list, text: str) -> str:
    service = find_service(services, text)
    return service.name if service else text


def _request_from_row(row: dict[str, str]) -> Request:
    return Request(**{attr: row.get(header, "") for header, attr in REQUEST_FIELDS.items()})
