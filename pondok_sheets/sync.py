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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .intake import find_service, format_time
from .messengers import MessengerError
from .register.catalog import services_from_rows
from .register.changes import (
    BAD_NUMBER, Due, due_announcements, fingerprint, is_walkin, not_sent_text, read_requests, told_text,
    waiting_text, walkin_cells, walkin_key,
)
from .register.messages import REMINDER, Notice, render, template_params, wording_from_rows
from .register.model import KIRIM_WA, LAYANAN, LOG, PERMOHONAN, PESAN, REQUEST_FIELDS, Request, Status
from .register.table import CellWrite, MissingHeader, RowKey
from .register.tickets import new_ticket
from .register.timing import in_quiet_hours, is_settled, reminded_text, reminder_due
from .register.validation import Phone, mask_name, mask_phone, parse_phone, unneutralize
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
        if self.waiting:
            line += f", {self.waiting} kabar menunggu (jeda/jam tenang)"
        if self.unplaced:
            line += f", {self.unplaced} sel menunggu baris ditemukan"
        return f"GAGAL: {self.error} ({line})" if self.error else line


def ticket_link(public_url: str, ticket: str) -> str:
    """The public status page of a ticket, as residents receive it."""
    return f"{public_url or 'http://localhost:8080'}/tiket/{ticket}"


class SyncCycle:
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
        tables = self.store.read([s.name for s in specs], headers_only=[LOG.name])
        for spec in specs + [LOG]:
            tables[spec.name].require(spec)
        self.services = services_from_rows([v for _, v in tables[LAYANAN.name].records(LAYANAN.headers)])
        self.wording = wording_from_rows([v for _, v in tables[PESAN.name].records(PESAN.headers)])
        requests = read_requests(tables[PERMOHONAN.name])
        present = {r.ticket for r in requests if r.ticket}

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

    def _write_back(self, new_rows: list[dict[str, str]], delivered: list[str], links: bool) -> None:
        writes_done = 0
        if any(self.writes.values()):
            # This update re-reads the header rows, so the appends below lay rows out as the sheet is now.
            missed = self.store.update_many(self.writes)
            writes_done += 1
            self.report.unplaced = len([w for w in missed if w in self.writes[PERMOHONAN.name]])
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

    def _schedule(self, due: list[Due], new_requests: list[Request]) -> list[Due]:
        """The announcements to make now, oldest change first.

        A confirmation of a request just submitted goes at once. Any other change waits until
        it has stayed unchanged for PONDOK_SETTLE_MINUTES, and until quiet hours are over.
        """
        fresh = {r.ticket for r in new_requests}
        since = self.state.status_since()
        quiet = in_quiet_hours(self.now, self.settings.quiet_hours)
        ready: list[tuple[datetime, Due]] = []
        for item in due:
            if item.request.ticket in fresh:
                ready.append((self.now - timedelta(days=36500), item))  # first in line
                continue
            status, seen = since.get(item.request.ticket, ("", ""))
            first = self._parse(seen) if status == item.request.status else self.now
            if not is_settled(first, self.now, self.settings.settle_minutes) or (quiet and item.phone):
                self.report.waiting += 1
                continue
            ready.append((first, item))
        ready.sort(key=lambda pair: pair[0])
        if len(ready) > self.max_sends:
            self.report.waiting += len(ready) - self.max_sends
        return [item for _, item in ready[:self.max_sends]]

    def _remind(self, requests: list[Request], exclude: set[str]) -> dict[str, str]:
        """Pickup reminders for letters left waiting: after 3 and 7 working days, never a third."""
        results: dict[str, str] = {}
        if in_quiet_hours(self.now, self.settings.quiet_hours):
            return results
        for request in requests:
            number = reminder_due(request, self.now) if request.ticket not in exclude else 0
            phone = parse_phone(request.whatsapp) if number else None
            if not number or phone is None or self.sending_stopped or self.report.sent >= self.max_sends:
                continue
            key = f"{REMINDER} {number}"
            prior = self.state.was_sent(request.ticket, key, request.notified)
            if prior is None:
                notice = self._compose(request, Status.SIAP_DIAMBIL, phone, wording=REMINDER, kind="pengingat")
                if not self._deliver(request, notice):
                    continue
                prior = reminded_text(request.notified, number)
                self.state.record_sent(request.ticket, key, request.notified, prior, self.stamp)
            results[request.ticket] = prior
        return results

    def _parse(self, stamp: str) -> datetime:
        try:
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=self.settings.timezone)
        except ValueError:
            return self.now

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
            notice = self._compose(request, status, due.phone)
            outcome = self._deliver(request, notice)
            if outcome is None:
                return request.notified  # not sent yet: tried again at the next sync
            if outcome is False:
                result = not_sent_text(status, self.last_reason)
            else:
                result = waiting_text(status) if self.messenger.confirms_later else told_text(status, self.stamp)
        self.state.record_sent(request.ticket, status.value, request.notified, result, self.stamp)
        return result

    def _deliver(self, request: Request, notice: Notice) -> bool | None:
        """Send through the messenger and log it: True sent, False refused for good, None try later."""
        assert notice.to is not None
        if self.sending_stopped:
            self.report.retry_later += 1
            return None
        try:
            message_id = self.messenger.send(notice, self.now)
        except MessengerError as error:
            self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                      f"gagal: {error.reason}" if error.permanent else f"gagal sementara: {error.reason}", "")
            if not error.permanent:
                self.report.retry_later += 1
                self.sending_stopped = error.reason if error.stop_all else ""
                log.warning("message for %s not sent, retried next sync: %s", request.ticket, error.reason)
                return None
            self.report.not_sent += 1
            self.last_reason = error.reason
            return False
        waiting = self.messenger.confirms_later
        self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                  "menunggu dikirim petugas" if waiting else "terkirim", message_id)
        self.report.sent += 1
        return True

    def _resend_templates(self) -> None:
        """Messages Meta reported undelivered because the 24-hour window had closed: once, as the template."""
        resend = getattr(self.messenger, "resend_as_template", None)
        for sent in self.office.wa.due_resends():
            if resend is None or self.sending_stopped:
                break
            try:
                message_id = resend(sent, self.now)
            except MessengerError as error:
                if not error.permanent:
                    self.sending_stopped = error.reason if error.stop_all else ""
                    continue  # still due: tried again next cycle
                result = f"gagal: {error.reason}"
                message_id = ""
            else:
                result = "terkirim ulang sebagai template"
            self.office.wa.mark_resent(sent.message_id)
            self._log(sent.ticket, mask_phone(sent.phone), sent.kind, sent.text, result, message_id)

    def _compose(self, request: Request, status: Status, phone: Phone, wording: Status | str | None = None,
                 kind: str = "status") -> Notice:
        service = find_service(self.services, request.service)
        values = {
            "nama": unneutralize(request.name), "tiket": request.ticket,
            "layanan": service.name if service else request.service, "status": status.value,
            "catatan": unneutralize(request.note), "desa": self.settings.village,
            "tautan": ticket_link(self.settings.public_url, request.ticket),
        }
        return Notice(to=phone, text=render(self.wording[wording or status], values), kind=kind,
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
            PublicStatus(r.ticket, _service_name(self.services, r.service), r.status, r.received, r.updated,
                         mask_name(unneutralize(r.name)))
            for r in requests if r.ticket
        ]
        services = [s.__dict__ | {"requirements": list(s.requirements)} for s in self.services]
        wording = {getattr(s, "value", s): text for s, text in self.wording.items()}
        self.state.save_snapshot(statuses, {"services": services, "wording": wording, "synced_at": self.stamp},
                                 self.stamp)
        self.office.wa.save_contacts([(r.ticket, r.whatsapp, unneutralize(r.note)) for r in requests if r.ticket])


def _service_name(services: list, text: str) -> str:
    service = find_service(services, text)
    return service.name if service else text


def _request_from_row(row: dict[str, str]) -> Request:
    return Request(**{attr: row.get(header, "") for header, attr in REQUEST_FIELDS.items()})
