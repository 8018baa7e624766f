"""One sync cycle: flush the intake queue, read the register once, announce changes, write back.

Order matters for "never twice, never lost":
1. one read of every tab (only the header row of Log);
2. queued tickets already in the register are marked flushed (a crash after an earlier
   append left them there), never appended again;
3. messages go out first, each recorded in the local ledger, so a failed write below
   never causes a second message;
4. then one update of cells (found by ticket right before writing), one append of new
   rows, one append to Log: at most 2 reads and 3 writes, whatever the number of changes.
   In links mode the Kirim WA rows take the third write and Log waits for the next cycle.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .announce import Announcing
from .form_import import form_tab, import_responses
from .intake import format_time, service_name
from .register.catalog import service_to_dict, services_from_rows
from .register.changes import due_announcements, fingerprint, is_walkin, read_requests, walkin_cells, walkin_key
from .register.messages import wording_from_rows
from .register.model import KIRIM_WA, LAYANAN, LOG, PERMOHONAN, PESAN, REQUEST_FIELDS, Request
from .register.table import CellWrite, MissingHeader, RowKey
from .register.tickets import new_ticket
from .register.validation import mask_name, unneutralize
from .state import PublicStatus
from .stores.base import StoreError
from .whatsapp import delivery

if TYPE_CHECKING:
    from .office import Office

log = logging.getLogger(__name__)
MAX_WRITES = 3  # per cycle: Google's per-minute write quota is shared with every other cycle


@dataclass
class CycleReport:
    """What one cycle did; `error` is set when it stopped early (the rest stays queued)."""

    flushed: int = 0
    walkins: int = 0
    sent: int = 0
    not_sent: int = 0
    retry_later: int = 0
    unplaced: int = 0
    waiting: int = 0  # changes held back: settling, quiet hours, or this run's budget
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the cycle ran to the end."""
        return not self.error

    def summary(self) -> str:
        """One line in Bahasa Indonesia for staff and the cron log."""
        line = (f"{self.flushed} permohonan baru masuk register, {self.walkins} baris loket diberi tiket, "
                f"{self.sent} pesan terkirim, {self.not_sent} tidak terkirim, "
                f"{self.retry_later} dicoba lagi nanti")
        if self.waiting:
            line += f", {self.waiting} kabar menunggu (jeda/jam tenang)"
        if self.unplaced:
            line += f", {self.unplaced} sel menunggu baris ditemukan"
        for warning in self.warnings:
            line += f". PERHATIAN: {warning}"
        return f"GAGAL: {self.error} ({line})" if self.error else line


class SyncCycle(Announcing):
    """One run of the cycle; create a new one per run."""

    def __init__(self, office: "Office", now: datetime, max_sends: int = 500):
        self.office = office
        self.max_sends = max_sends  # bounds one run, e.g. within a web host's request time-out
        self.store, self.state, self.messenger, self.settings = (
            office.store, office.state, office.messenger, office.settings)
        self.now = now
        self.stamp = format_time(now)
        self.report = CycleReport()
        self.writes: dict[str, list[CellWrite]] = {PERMOHONAN.name: [], LOG.name: []}
        self.walkin_keys: dict[str, RowKey] = {}  # walk-ins are found by their cells until their ticket lands
        self.sending_stopped = ""  # the operator must fix the messenger's set-up first
        self.last_reason = ""
        self.since = self.state.status_since()  # read once: for the settle delay, then for the history

    def run(self) -> CycleReport:
        """Do the whole cycle; errors from the register end it with `report.error` set."""
        try:
            self._run()
        except (StoreError, MissingHeader) as error:
            self.report.error = str(error)
            log.warning("sync stopped: %s", error)
        if self.sending_stopped and not self.report.error:
            self.report.error = f"WhatsApp: {self.sending_stopped}"
        return self.report

    def _run(self) -> None:
        links = self.messenger.confirms_later
        specs = [PERMOHONAN, LAYANAN, PESAN] + ([KIRIM_WA] if links else [])
        form = form_tab(self.office)
        tables = self._read([s.name for s in specs], form)
        for spec in specs + [LOG]:
            tables[spec.name].require(spec)
        self.services = services_from_rows([v for _, v in tables[LAYANAN.name].records(LAYANAN.headers)])
        self.wording = wording_from_rows([v for _, v in tables[PESAN.name].records(PESAN.headers)])
        requests = read_requests(tables[PERMOHONAN.name])
        present = {r.ticket for r in requests if r.ticket}
        if form in tables:
            try:
                self.writes[form] = import_responses(self.office, tables[form], requests, self.stamp, self.services)
            except MissingHeader as error:  # the rest of the register must not wait for the form
                self.report.warnings.append(str(error))

        pending = self.state.pending()
        self.state.mark_flushed([q.ticket for q in pending if q.ticket in present], self.stamp)
        new_rows = [dict(q.row) for q in pending if q.ticket not in present]
        new_requests = [_request_from_row(row) for row in new_rows]

        for request in filter(is_walkin, requests):
            self._give_ticket(request)
        if links:
            ticks = delivery.apply_ticks(tables[KIRIM_WA.name], self.office.wa, requests, self.stamp)
            for request, value in ticks.notified:
                self._write(request, "Notifikasi", value)
            self._amend_log(ticks.log_writes)

        due, notes = due_announcements(requests + new_requests)
        results = {d.request.ticket: self._announce(d) for d in self._schedule(due, new_requests)}
        results.update(self._remind(requests, exclude=set(results)))
        for row in new_rows:
            row["Notifikasi"] = results.get(row["Tiket"], row.get("Notifikasi", ""))
        for request in requests:
            if request.ticket in results and results[request.ticket] != request.notified:
                self._write(request, "Notifikasi", results[request.ticket])
                self._write(request, "Diperbarui", self.stamp)
            if request.ticket in notes:
                self._write(request, "Notifikasi", notes[request.ticket])
        self._resend_templates()
        deliveries = delivery.log_updates(self.office.wa)
        self._amend_log(deliveries.writes)

        self._save_snapshot(requests + new_requests)
        self._write_back(new_rows, deliveries.ids, links)

    def _read(self, names: list[str], form: str) -> dict:
        """The one read of the cycle; a responses tab found earlier but since deleted is forgotten."""
        try:
            return self.store.read(names + ([form] if form else []), headers_only=[LOG.name])
        except StoreError as error:
            if not form or self.settings.form_tab or f"'{form}'" not in str(error):
                raise
            log.warning("responses tab %r is gone; forgetting it", form)
            self.state.set_meta("form_tab", "")
            return self.store.read(names, headers_only=[LOG.name])

    def _write_back(self, new_rows: list[dict[str, str]], delivered: list[str], links: bool) -> None:
        writes_done = 0
        if any(self.writes.values()):
            # This update re-reads the header rows, so the appends below lay rows out as the sheet is now.
            missed = self.store.update_many(self.writes)
            writes_done += 1
            permohonan = set(self.writes[PERMOHONAN.name])
            self.report.unplaced = sum(w in permohonan for w in missed)
            if missed:
                log.warning("%d cell writes found no row this cycle; retried next sync", len(missed))
            self.office.wa.clean_deliveries(delivered)
        if new_rows:
            self.store.append(PERMOHONAN.name, new_rows)
            writes_done += 1
            self.state.mark_flushed([row["Tiket"] for row in new_rows], self.stamp)
            self.report.flushed = len(new_rows)
        if links:
            rows, ids = delivery.link_rows(self.office.wa)
            if rows:
                self.store.append(KIRIM_WA.name, rows)
                writes_done += 1
                self.office.wa.mark_links_in_sheet(ids)
        if writes_done < MAX_WRITES:
            self._flush_log()

    def _amend_log(self, writes: list[CellWrite]) -> None:
        """Hasil updates: a Log row still waiting locally is changed there, others in the sheet."""
        for write in writes:
            message_id = dict(write.key.cells)["ID Pesan"]
            if not self.state.amend_pending_log(message_id, write.column, write.value):
                self.writes[LOG.name].append(write)

    def _write(self, request: Request, header: str, value: str) -> None:
        key = self.walkin_keys.get(request.ticket) or RowKey(ticket=request.ticket)
        self.writes[PERMOHONAN.name].append(CellWrite(key, header, value))

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
            PublicStatus(r.ticket, service_name(self.services, r.service), r.status, r.received, r.updated,
                         mask_name(unneutralize(r.name)))
            for r in requests if r.ticket
        ]
        services = [service_to_dict(s) for s in self.services]
        wording = {getattr(s, "value", s): text for s, text in self.wording.items()}
        self.state.save_snapshot(statuses, {"services": services, "wording": wording, "synced_at": self.stamp},
                                 self.stamp, self.since)
        self.office.wa.save_contacts([(r.ticket, r.whatsapp, unneutralize(r.note)) for r in requests if r.ticket])



def _request_from_row(row: dict[str, str]) -> Request:
    return Request(**{attr: row.get(header, "") for header, attr in REQUEST_FIELDS.items()})
