"""One sync cycle: read the register once, plan, announce, write back.

Order matters for "never twice, never lost":
1. one read of every tab (only the header row of Log; `reading.py`: none when Drive says nothing
   changed, and only the rows that changed or still need something become Requests);
2. queued tickets already in the register are marked flushed (a crash after an earlier
   append left them there), never appended again;
3. messages go out first, each recorded in the local ledger, so a failed write below
   never causes a second message;
4. then one update of cells (found by ticket right before writing), one append of new
   rows, one append to Log: at most 2 reads and 3 writes, whatever the number of changes.
   In links mode the Kirim WA rows take the third write and Log waits for the next cycle.
   A Log append whose outcome was never learnt (Google timed out after writing, or the process
   died) is followed, at the next append, by a look at Log's ID Pesan column, fetched with the
   header read the writes make anyway (or alone, as the cycle's second read): rows already there
   are not appended again.
"""
from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from ..errors import MissingHeader, StoreError
from ..office import Office
from ..register import plan
from ..register.catalog import service_name, service_to_dict
from ..register.changes import due_announcements, fingerprint, is_walkin, walkin_cells, walkin_key
from ..register.model import KIRIM_WA, LOG, PERMOHONAN, REQUEST_FIELDS, PublicStatus, Request, Status
from ..register.stamps import format_stamp
from ..register.table import CellWrite, RowKey
from ..register.validation import mask_name, unneutralize
from ..state.db import LOOKUP_CHUNK
from . import delivery, letters, voice
from .announcer import Outcome, Refused, Sent, StopAll
from .change_check import ChangeCheck
from .cycle_report import CycleReport
from .form_import import import_responses
from .health import note_health
from .intake import issue_ticket
from .reading import Reading, read_register

log = logging.getLogger(__name__)
MAX_WRITES = 3  # per cycle: Google's per-minute write quota is shared with every other cycle
STOPPING_WARNING = "layanan diminta berhenti; kabar yang belum terkirim dikirim setelah dijalankan lagi"


class SyncCycle:
    """One run of the cycle; create a new one per run."""

    def __init__(self, office: Office, now: datetime, max_sends: int = 500):
        self.office = office
        self.settings = office.settings
        self.state = office.state
        self.max_sends = max_sends  # bounds one run, e.g. within a web host's request time-out
        self.now = now
        self.stamp = format_stamp(now)
        self.report = CycleReport()
        self.writes: dict[str, list[CellWrite]] = {PERMOHONAN.name: [], LOG.name: []}
        self.walkin_keys: dict[str, RowKey] = {}  # walk-ins are found by their cells until their ticket lands
        self.deliveries = delivery.Deliveries([], [])
        self.letters = letters.Drafting()
        self.voice = voice.VoiceRows()  # survey answers and complaints to append (issue 15)
        self.links_in_tab: set[delivery.LinkKey] = set()  # links mode: the Kirim WA rows this cycle read
        self.missed: list[CellWrite] = []
        self.check = ChangeCheck(office, now, self.report.warnings)

    def run(self) -> CycleReport:
        """Do the whole cycle; errors from the register end it with `report.error` set."""
        try:
            reading = read_register(self.office, self.check, self.now)
            new_rows = [] if reading.local else self.take_in(reading)
            reading.tables[PERMOHONAN.name].drop_rows()  # what is still needed is in reading.requests
            self.announce(reading, new_rows)
            self.save_snapshot(reading, new_rows)
            self.write_back(new_rows)
            self.check.finish(reading.requests + [plan.request_from_row(row) for row in new_rows],
                              self.writes[PERMOHONAN.name], self.missed, self.walkin_keys,
                              {name: table.headers for name, table in reading.tables.items()},
                              read_again=bool(self.letters.later))
        except (StoreError, MissingHeader) as error:
            self.report.error = str(error)
            log.warning("sync stopped: %s", error)
        finally:
            self.check.stop()
        return self.report

    # -- the steps ----------------------------------------------------------------------

    def take_in(self, reading: Reading) -> list[dict[str, str]]:
        """Form responses queued, landed rows marked, walk-ins given tickets, ticks read; returns rows to append."""
        if reading.form:
            try:
                self.writes[reading.form] = import_responses(self.office, reading.tables[reading.form],
                                                             reading.tables[PERMOHONAN.name], reading.tickets,
                                                             self.stamp, reading.announcer.services)
            except MissingHeader as error:  # the rest of the register must not wait for the form
                self.report.warnings.append(str(error))
        landed, new_rows = plan.new_rows(((q.ticket, q.row) for q in self.state.queue.pending()), reading.tickets)
        self.state.queue.mark_flushed(landed, self.stamp)
        twins = plan.repeated_walkins(reading.requests)
        for rows in twins.values():
            self._warn(plan.repeated_walkin_warning(rows))
        for request in filter(is_walkin, reading.requests):
            if fingerprint(request) not in twins:
                self._give_ticket(request)
        if self.office.messenger.confirms_later:
            ticks = delivery.apply_ticks(reading.tables[KIRIM_WA.name], self.state.links, reading.requests, self.stamp)
            self.links_in_tab = ticks.in_tab
            for request, value in ticks.notified:
                self._write(request, "Notifikasi", value)
            self._amend_log(ticks.log_writes)
        self.letters = letters.draft_letters(self.office, reading.tables, reading.requests, reading.announcer.services,
                                             new_rows, self.now, self._write, self.report.warnings)
        self.report.letters_waiting = len(self.letters.later)
        self.voice = voice.take_in(self.office, reading.tables)
        return new_rows

    def announce(self, reading: Reading, new_rows: list[dict[str, str]]) -> None:
        """Tell residents what changed, then fill in the Notifikasi cells the outcomes call for."""
        announcer = reading.announcer
        voice.prepare_announcer(self.office, announcer, announcer.services)
        new_requests = [plan.request_from_row(row) for row in new_rows]
        copies = plan.repeated_tickets(reading.requests)
        for ticket, rows in copies.items():
            self._warn(plan.repeated_ticket_warning(ticket, rows))
        single = [r for r in reading.requests if r.ticket not in copies]
        due, notes = due_announcements(single + new_requests)
        due = delivery.reachable(due + delivery.fixed_numbers(single, self.state, self.now), self.state)
        if self.letters.later:  # a Siap Diambil message carries the letter's number: it waits for the letter
            held = {d.request.ticket for d in due
                    if d.status == Status.SIAP_DIAMBIL and d.request.ticket in self.letters.later}
            due = [d for d in due if d.request.ticket not in held]  # counted in report.letters_waiting
        since = self.state.snapshot.status_since({item.request.ticket for item in due})  # only what is decided on
        chosen = plan.schedule(due, {r.ticket for r in new_requests}, since, self.now, self.settings.timezone,
                               self.settings.settle_minutes, self.settings.quiet_hours, self.max_sends)
        self.report.waiting += chosen.waiting
        results: dict[str, str] = {}
        for item in chosen.ready:
            outcome = announcer.announce(item)
            delivery.note_outcome(self.state, item, outcome, self.now)
            self._note(item.request.ticket, outcome, results)
        for request, number, phone in delivery.reminders(single, self.state, self.now, self.settings.quiet_hours,
                                                         set(results)):
            if announcer.stopped or announcer.halted() or self.report.sent >= self.max_sends:
                break
            self._note(request.ticket, announcer.remind(request, number, phone), results)
        for outcome in voice.announce(self.office, announcer, reading.tables, self.writes, self.now):
            self.report.count(outcome)
        for row in new_rows:
            row["Notifikasi"] = results.get(row["Tiket"], row.get("Notifikasi", ""))
        for request, header, value in plan.notified_cells(single, results, notes, self.stamp):
            self._write(request, header, value)
        for request, value in delivery.undelivered_cells(reading.requests, self.state, set(results)):
            self._write(request, "Notifikasi", value)  # WhatsApp reported it undelivered after accepting it
        stop = announcer.resend_templates()
        if stop is not None:
            self.report.stopped = self.report.stopped or stop.reason
        if self.report.stopped:
            self.report.error = f"WhatsApp: {self.report.stopped}"
        if announcer.halted():
            self.report.warnings.append(STOPPING_WARNING)
        self.deliveries = delivery.log_updates(self.state.sent)
        self._amend_log(self.deliveries.writes)

    def save_snapshot(self, reading: Reading, new_rows: list[dict[str, str]]) -> None:
        """What public pages and the chat read until the next sync (unchanged when nothing was read)."""
        if reading.local:
            self.state.meta.set("synced_at", self.stamp)
            return
        services = reading.announcer.services
        new_requests = [plan.request_from_row(row) for row in new_rows]
        requests = [r for r in reading.requests + new_requests if r.ticket]  # the skipped rows' records stand
        present = reading.tickets | {r.ticket for r in requests}  # with the walk-ins given a ticket just now
        for start in range(0, len(requests), LOOKUP_CHUNK):  # a read that derives every row never holds 50,000 of each
            chunk = requests[start:start + LOOKUP_CHUNK]
            self.state.snapshot.save((PublicStatus(r.ticket, service_name(services, r.service), r.status, r.received,
                                                   r.updated, mask_name(unneutralize(r.name))) for r in chunk),
                                     self.stamp)
            self.state.contacts.save((r.ticket, r.whatsapp, unneutralize(r.note)) for r in chunk)
        self.state.snapshot.forget_absent(present)
        wording = {getattr(s, "value", s): text for s, text in reading.announcer.wording.items()}
        for key, value in (("services", [service_to_dict(s) for s in services]), ("wording", wording),
                           ("synced_at", self.stamp)):
            self.state.meta.set(key, value)
        if not reading.settled <= reading.kept:  # the blob is rewritten only when it gains a mark
            self.state.row_marks.keep(reading.kept | reading.settled)

    def write_back(self, new_rows: list[dict[str, str]]) -> None:
        """One cell update, one append of new rows, one append to Log (or Kirim WA): three writes at most."""
        writes_done = 0
        if self.state.log.in_doubt():  # fetched with the header read the writes below make anyway
            self.office.store.want_column(LOG.name, "ID Pesan")
        if any(self.writes.values()):
            # This update re-reads the header rows, so the appends below lay rows out as the sheet is now.
            missed = self.missed = self.office.store.update_many(self.writes)
            writes_done += 1
            permohonan = set(self.writes[PERMOHONAN.name])
            self.report.unplaced = sum(w in permohonan for w in missed)
            if self.report.unplaced:
                log.warning("%d cell writes found no row this cycle; retried next sync", self.report.unplaced)
            self.state.sent.clean_deliveries(self.deliveries.ids)
            self.letters.landed(self.office, missed)
        if new_rows:
            self.office.store.append(PERMOHONAN.name, new_rows)
            writes_done += 1
            self.state.queue.mark_flushed([row["Tiket"] for row in new_rows], self.stamp)
            self.report.flushed = len(new_rows)
        if self.office.messenger.confirms_later:
            rows, ids = delivery.link_rows(self.state.links, self.links_in_tab)
            if rows:
                self.office.store.append(KIRIM_WA.name, rows)
                writes_done += 1
                self.state.links.mark_in_sheet(ids)
        writes_done += voice.write_back(self.office, self.voice, MAX_WRITES - writes_done)
        if writes_done < MAX_WRITES:
            self._flush_log()

    # -- helpers ------------------------------------------------------------------------

    def _note(self, ticket: str, outcome: Outcome, results: dict[str, str]) -> None:
        self.report.count(outcome)
        if isinstance(outcome, (Sent, Refused)):
            results[ticket] = outcome.notified
        elif isinstance(outcome, StopAll):
            log.error("sending stopped for this cycle: %s", outcome.reason)

    def _warn(self, text: str) -> None:
        self.report.warnings.append(text)
        log.warning("register needs staff: %s", text)

    def _amend_log(self, writes: list[CellWrite]) -> None:
        """Hasil updates: a Log row still waiting locally is changed there, others in the sheet."""
        for write in writes:
            message_id = dict(write.key.cells)["ID Pesan"]
            if not self.state.log.amend(message_id, write.column, write.value):
                self.writes[LOG.name].append(write)

    def _write(self, request: Request, header: str, value: str) -> None:
        key = self.walkin_keys.get(request.ticket) or RowKey(ticket=request.ticket)
        self.writes[PERMOHONAN.name].append(CellWrite(key, header, value))

    def _give_ticket(self, request: Request) -> None:
        key = walkin_key(request)
        ticket = self.state.queue.walkin_ticket(fingerprint(request), issue_ticket(self.office))
        self.walkin_keys[ticket] = key
        for header, value in walkin_cells(request, ticket, self.stamp).items():
            setattr(request, REQUEST_FIELDS[header], value)
            self._write(request, header, value)
        self.report.walkins += 1
        log.info("walk-in row %d given ticket %s", request.row, ticket)

    def _flush_log(self) -> None:
        rows = self.state.log.waiting()
        if not rows:
            return
        if self.state.log.in_doubt():
            # An earlier append may have landed without our knowing: skip the rows Log already holds.
            present = set(self.office.store.column_values(LOG.name, "ID Pesan"))
            landed = {i for i, row in rows if row.get("ID Pesan") in present}
            if landed:
                log.info("%d Log rows were already in Log after an append whose answer was lost", len(landed))
            self.state.log.drop(landed)
            rows = [(i, row) for i, row in rows if i not in landed]
            if not rows:
                return
        self.state.log.mark_tried([i for i, _ in rows])
        self.office.store.append(LOG.name, [row for _, row in rows])
        self.state.log.drop([i for i, _ in rows])


_collector_lock = threading.Lock()
_collector_paused = 0  # syncs running with the cycle collector paused (serve may run two threads' worth)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the span: a 50,000-row read makes some 600,000 strings and lists,
    none in a cycle, and each collection would walk them all again (~0.2 s a sync at 50,000 rows).
    Reference counting still frees everything; cycles made meanwhile are collected afterwards."""
    global _collector_paused
    with _collector_lock:
        if _collector_paused == 0 and not gc.isenabled():
            paused_here = False  # someone else turned it off: leave it as found
        else:
            paused_here = True
            _collector_paused += 1
            gc.disable()
    try:
        yield
    finally:
        if paused_here:
            with _collector_lock:
                _collector_paused -= 1
                if _collector_paused == 0:
                    gc.enable()


def sync(office: Office, now: datetime | None = None, max_sends: int = 500) -> CycleReport:
    """Run one flush + sync cycle now (after any webhook events still waiting)."""
    now = now or office.now()
    with collector_paused(), office.state.db.session():  # one SQLite connection for the whole sync
        if office.state.inbox.pending():  # the handlers (and their imports) only when a webhook event waits
            from .inbox import process_inbox

            process_inbox(office, now)
        report = SyncCycle(office, now, max_sends).run()
        office.state.purge(now)
        note_health(office, now, report.error)  # for /healthz
    log.info("sync: %s", report.summary())
    return report
