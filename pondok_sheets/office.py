"""The service's parts in one place: settings, register, local state, messenger.

Web pages, CLI commands and scheduled jobs are thin callers of these methods.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .config import Settings, ensure_secret_key
from .intake import submit
from .messengers import Messenger, make_messenger
from .register.catalog import DEFAULT_SERVICES, service_from_dict, service_to_dict, services_from_rows
from .register.forms import TICKET
from .register.model import LAYANAN, PERMOHONAN, Channel, Service, Status, TabSpec
from .register.table import CellWrite, MissingHeader, RowKey
from .register.tickets import normalize_ticket
from .register.validation import clean_text, neutralize
from .state import PublicStatus, State
from .stores import StoreError, TableStore, open_store, prepare_register
from .sync import CycleReport, SyncCycle
from .whatsapp.inbox import process_inbox
from .whatsapp.state import WhatsAppState

if TYPE_CHECKING:
    from .whatsapp.inbox import InboxWorker

log = logging.getLogger(__name__)


class UnknownTicket(LookupError):
    """No request with this ticket is in the register or the queue."""


@dataclass
class Office:
    """A village office's Pondok Sheets: everything the callers need."""

    settings: Settings
    store: TableStore
    state: State
    messenger: Messenger
    wa: WhatsAppState
    on_submit: Callable[[], None] = field(default=lambda: None)  # `serve` flushes soon after a submission
    inbox: "InboxWorker | None" = None  # handles webhook events after the answer; set by create_app

    @classmethod
    def from_settings(cls, settings: Settings) -> "Office":
        """Open the register, the local state and the messenger the settings name."""
        state = State(settings.data_dir / "state.sqlite3")
        wa = WhatsAppState(state, ensure_secret_key(settings))
        office = cls(settings, open_store(settings), state, make_messenger(settings, state, wa), wa)
        if not office.state.meta("services"):
            try:
                if settings.uses_google:
                    office.refresh_catalog()
                else:
                    office.prepare()  # first start of the embedded default: seed it
            except (StoreError, MissingHeader) as error:  # pages fall back to the default catalogue
                log.warning("could not read the catalogue at start-up: %s", error)
        return office

    def now(self) -> datetime:
        """The current time in the office's time zone."""
        return datetime.now(self.settings.timezone)

    def services(self, active_only: bool = True) -> list[Service]:
        """The catalogue as of the last sync (no request to the register)."""
        rows = self.state.meta("services")
        services = [service_from_dict(r) for r in rows] if rows else list(DEFAULT_SERVICES)
        return [s for s in services if s.active or not active_only]

    def prepare(self) -> list[str]:
        """What `init-sheet` does: tabs, headers and seed (the linked form's Tiket column too),
        then the catalogue is read; returns what was done, in Bahasa Indonesia."""
        from .form_import import find_form_tab

        form = find_form_tab(self) if self.settings.uses_google else ""
        done = prepare_register(self.store, with_links=self.settings.wa_provider == "links",
                                extra=(TabSpec(form, (TICKET,)),) if form else ())
        if form:
            done.insert(0, f"Tab jawaban Google Form ditemukan: {form}.")
        self.refresh_catalog()
        return done

    def refresh_catalog(self) -> None:
        """Read Layanan once and keep it for pages (used before the first sync)."""
        table = self.store.read([LAYANAN.name])[LAYANAN.name]
        services = services_from_rows([v for _, v in table.records(LAYANAN.headers)])
        self.state.set_meta("services", [service_to_dict(s) for s in services])

    def submit(self, service_code: str, fields: Mapping[str, object], channel: Channel,
               now: datetime | None = None) -> str:
        """Take a request from any channel; returns its ticket or raises InvalidInput."""
        ticket = submit(self.state, self.settings.ticket_prefix, self.services(active_only=False),
                        service_code, fields, channel, now or self.now())
        log.info("request %s queued from %s", ticket, channel.value)
        self.on_submit()
        return ticket

    def sync(self, now: datetime | None = None, max_sends: int = 500) -> CycleReport:
        """Run one flush + sync cycle now (after any webhook events still waiting)."""
        now = now or self.now()
        process_inbox(self, now)
        report = SyncCycle(self, now, max_sends).run()
        self.wa.purge(now)
        log.info("sync: %s", report.summary())
        return report

    def lookup(self, text: str) -> PublicStatus | None:
        """A ticket's public status, from the snapshot (typed in any case, with or without a dash)."""
        return self.state.public_status(normalize_ticket(text, self.settings.ticket_prefix))

    def set_status(self, ticket: str, status: Status, note: str | None = None) -> str:
        """Do what staff do in the sheet: change Status (and Catatan) of one request.

        Returns the normalised ticket. A request still in the queue is flushed first.
        """
        ticket = normalize_ticket(ticket, self.settings.ticket_prefix)
        pending = self.state.queued(ticket)
        if pending is not None and pending.row:
            from .jobs import flush_now  # the same lock as every other run

            if flush_now(self, self.now()) is None or self.state.queued(ticket).row:
                raise UnknownTicket(ticket)  # still queued: not in the register yet
        writes = [CellWrite(RowKey(ticket=ticket), "Status", status.value)]
        if note is not None:
            writes.append(CellWrite(RowKey(ticket=ticket), "Catatan", neutralize(clean_text(note))))
        if self.store.update(PERMOHONAN.name, writes):
            raise UnknownTicket(ticket)
        return ticket
