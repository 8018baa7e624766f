"""Responses of a linked Google Form become requests, through the same intake queue as every channel.

Each response is queued (durable) and its ticket written back into the responses tab's
`Tiket` column in the same sync; the queue then appends it like any submission. A crash in
between never loses a response (the queue keeps it) nor imports one twice (the queue skips
tickets already in the register; a response that has a ticket is never read again).
"""
from __future__ import annotations

import logging

from ..errors import MissingHeader
from ..office import Office
from ..register.catalog import find_service
from ..register.forms import (
    TICKET,
    title_key,
    FormColumns,
    is_responses_tab,
    map_columns,
    new_responses,
    ticked_services,
)
from ..register.changes import read_requests
from ..register.model import KIRIM_WA, TABS, Channel, Service, Status
from ..register.table import CellWrite, Table
from .intake import check, issue_ticket, register_row

log = logging.getLogger(__name__)
OWN_TABS = {spec.name for spec in TABS} | {KIRIM_WA.name}


def form_tab(office: Office) -> str:
    """PONDOK_FORM_TAB, or the responses tab found earlier (kept in local state)."""
    return office.settings.form_tab or office.state.meta.get("form_tab", "")


def find_form_tab(office: Office) -> str:
    """Look for the responses tab (a tab whose first header is the timestamp) and remember it."""
    if office.settings.form_tab:
        return office.settings.form_tab
    names = [n for n in office.store.tab_names() if n not in OWN_TABS]
    found = ""
    if names:
        tables = office.store.read([], headers_only=names)
        found = next((n for n in names if is_responses_tab(tables[n])), "")
    office.state.meta.set("form_tab", found)
    return found


def field_answers(table: Table, row_number: int, service: Service | None) -> dict[str, str]:
    """The service's own fields answered in this response, each found by its question title (the label)."""
    if service is None or not service.fields:
        return {}
    row = table.rows[row_number - 2]
    by_title = {title_key(h): h for h in table.headers if h}
    return {f.key: table.cell(row, by_title[title_key(f.label)]) for f in service.fields
            if title_key(f.label) in by_title}


def import_responses(office: Office, table: Table, register: Table, present: set[str], stamp: str,
                     services: list[Service]) -> list[CellWrite]:
    """Queue every response not yet imported; returns the ticket writes for the responses tab.
    `register` is the Permohonan tab as read, `present` every ticket it holds."""
    columns: FormColumns = map_columns(table, office.settings.form_fields)
    if table.column(TICKET) is None:
        raise MissingHeader(table.name, TICKET)
    if columns.missing:
        log.warning("form tab %s: no question maps to %s", table.name, ", ".join(columns.missing))
    landed: dict[tuple[str, str], str] | None = None
    writes = []
    for response in new_responses(table, columns):
        if landed is None:  # After lost local state, a response whose row already landed is recognised by time and name.
            landed = {(r.received, r.name.casefold()): r.ticket for r in read_requests(register)
                      if r.channel == Channel.GOOGLE_FORM.value}
        ticket = office.state.queue.walkin_ticket(response.fingerprint, issue_ticket(office))
        answers = response.answers
        service = find_service(services, answers.get("layanan", ""))
        asked = field_answers(table, response.row, service)
        values, errors = check({**asked, **answers, "setuju": answers.get("setuju") or "ya"}, service, asked,
                               from_sheet=True)
        ticked = ticked_services(answers.get("layanan", ""), [s.name for s in services] + [s.code for s in services])
        if ticked:
            errors["layanan"] = (f"Pemohon mencentang {len(ticked)} layanan sekaligus ({', '.join(ticked)}); "
                                 "satu permohonan untuk satu layanan. Petugas: tanyakan layanan yang dimaksud, "
                                 "atau catat layanan lainnya di baris baru.")
        earlier = landed.get((response.received, values["Nama"].casefold()))
        if earlier:
            ticket = earlier
        elif ticket not in present and office.state.queue.queued(ticket) is None:
            status = Status.PERLU_DILENGKAPI if errors else Status.BARU
            note = "Dari Google Form: " + " ".join(errors.values()) if errors else ""
            row = register_row(ticket, values, Channel.GOOGLE_FORM, response.received or stamp, status, note)
            row["Diperbarui"] = stamp
            office.state.queue.enqueue(ticket, values["Layanan"], row, stamp)
            log.info("form response in row %d queued as %s%s", response.row, ticket, " (incomplete)" if errors else "")
        writes.append(CellWrite(response.key, TICKET, ticket))
    return writes

