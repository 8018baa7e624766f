"""The one read of a sync cycle: the register as it is now, and which of its rows the cycle looks at.

When Drive says nothing changed since the last good cycle, nothing is read: the rows timed work
needs come from the local copy. Otherwise every tab is read once, its headers checked, and each
Permohonan row fingerprinted (`state/row_marks.py`). A row whose fingerprint an earlier sync kept
(it then needed nothing, and is as that sync saw it) is skipped: no Request is built for it, and its
local records stand. The rest become Requests.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress
from operator import gt, not_

from ..config import ensure_secret_key
from ..errors import StoreError
from ..office import Office
from ..register.catalog import service_to_dict, services_from_rows
from ..register.changes import read_requests
from ..register.messages import wording_from_rows
from ..register.model import (
    KIRIM_WA,
    LAYANAN,
    LAYANAN_SURVEI,
    LOG,
    PERMOHONAN,
    PESAN,
    Request,
    Service,
    Status,
    TabSpec,
)
from ..register.table import Table
from ..register.tickets import all_upper
from ..register.timed import needs_nothing
from ..state.db import LOOKUP_CHUNK
from ..state.row_marks import context_of
from . import letters, voice
from .announcer import Announcer
from .change_check import ChangeCheck, copied_requests
from .form_import import form_tab

log = logging.getLogger(__name__)


@dataclass
class Reading:
    """What the one read of a cycle found."""

    tables: dict[str, Table]
    requests: list[Request]  # every row but those the last sync found needing nothing and that are as it saw them
    tickets: set[str]  # every ticket in Permohonan, the skipped rows' too
    announcer: Announcer
    form: str
    local: bool = False  # from the local copy (Drive said nothing changed): timed work only, no read
    kept: set[int] = field(default_factory=set)  # kept marks this read found again: rows as a settled sync saw them
    settled: set[int] = field(default_factory=set)  # marks of rows looked at that need nothing: skipped next time


def read_register(office: Office, check: ChangeCheck, now: datetime) -> Reading:
    """The one read of the cycle, checked against the headers the service needs; none when Drive says
    nothing changed since the last good cycle (then the rows timed work needs come from the local copy)."""
    links_mode = office.messenger.confirms_later
    specs = [PERMOHONAN, LAYANAN, PESAN] + ([KIRIM_WA] if links_mode else [])
    form = form_tab(office)
    if not check.must_read():
        return _local_reading(office, specs, now)
    tables = voice.read_tabs(office, lambda names: _read_tabs(office, names, form), [s.name for s in specs])
    for spec in specs + [LOG]:
        tables[spec.name].require(spec)
    services = services_from_rows([v for _, v in tables[LAYANAN.name].records(LAYANAN.headers + LAYANAN_SURVEI.headers)])
    wording = wording_from_rows([v for _, v in tables[PESAN.name].records(PESAN.headers)])
    table = tables[PERMOHONAN.name]
    tickets, looked_at, marks, kept = _compare_rows(office, table, services)
    if len(looked_at) > LOOKUP_CHUNK:  # every row derived: their Requests hold the cells a while
        table.share_repeated()
    requests = read_requests(table, looked_at)
    # As read, before this cycle changes any of them (a drafted number whose write is lost must count).
    settled = {marks[r.ticket] for r in requests if r.ticket in marks and needs_nothing(r)
               and not letters.is_due(r, office.settings.letter_status)}
    return Reading(tables, requests, tickets, make_announcer(office, wording, services, now),
                   form if form in tables else "", kept=kept, settled=settled)


def make_announcer(office: Office, wording: dict[Status | str, str], services: list[Service],
                   now: datetime) -> Announcer:
    """The cycle's announcer, over the office's messenger and ledgers."""
    state, settings = office.state, office.settings
    return Announcer(office.messenger, state.ledger, state.sent, state.log, office.links, wording, services,
                     settings.village, now, timedelta(minutes=settings.uncertain_minutes), office.stopping.is_requested)


def _compare_rows(office: Office, table: Table,
                  services: list[Service]) -> tuple[set[str], list[int], dict[str, int], set[int]]:
    """Fingerprint every Permohonan row. Returns every ticket; the rows (0-based) this sync looks at (all but
    those the last sync found needing nothing and that are as it saw them); the marks of those rows, by
    ticket; and the kept marks found again."""
    state, settings = office.state, office.settings
    # Keyed with the office's secret: a fingerprint covers the NIK and the number, so it must not be
    # something anyone could recompute from guesses.
    context = context_of(ensure_secret_key(settings), table.headers, [service_to_dict(s) for s in services],
                         settings.letter_status)
    tickets = all_upper(table.values("Tiket"))  # a required column: `read_register` checked it is there
    marks = state.row_marks.fingerprints(table.rows, context)
    present = set(tickets)
    present.discard("")
    # Always looked at: rows without a ticket (walk-ins, blank rows), a ticket on two rows, and a row whose
    # delivery WhatsApp reported failed (that is written into its row, whatever the row says).
    always = {""} | {ticket for ticket, _, _ in state.undelivered.waiting()}
    if len(present) < len(tickets) - tickets.count(""):
        always |= {t for t, n in Counter(tickets).items() if n > 1}
    before = state.row_marks.load()
    # At once, before anything this sync decides is kept: a row that changed is looked at until a sync
    # finds it settled again, even if staff undo the change before then (its old fingerprint would match).
    kept = before.intersection(marks)
    if len(kept) < len(before):
        state.row_marks.keep(kept)  # so no mark outlives its row either
    # C loops over 50,000 rows: a row is skipped when its mark is kept and its ticket is not in `always`.
    skipped = map(gt, map(kept.__contains__, marks), map(always.__contains__, tickets))
    looked_at = list(compress(range(len(tickets)), map(not_, skipped)))
    looked_at_marks = {tickets[i]: marks[i] for i in looked_at if tickets[i]}  # the few looked at, not all 50,000
    return present, looked_at, looked_at_marks, kept


def _local_reading(office: Office, specs: list[TabSpec], now: datetime) -> Reading:
    """The register as the last read left it: every tab's headers, and the rows timed work needs."""
    state = office.state
    tables = {name: Table(name, [cells]) for name, cells in state.register_copy.headers().items()}
    for spec in specs + [LOG]:
        tables.setdefault(spec.name, Table(spec.name, [list(spec.headers)]))
    requests = copied_requests(office)
    wording = wording_from_rows([{"Status": k, "Pesan": v} for k, v in state.meta.get("wording", {}).items()])
    announcer = make_announcer(office, wording, state.meta.services(active_only=False), now)
    return Reading(tables, requests, {r.ticket for r in requests}, announcer, "", local=True)


def _read_tabs(office: Office, names: list[str], form: str) -> dict[str, Table]:
    """A responses tab found earlier but since deleted is forgotten, and the read repeated without it."""
    try:
        return office.store.read(names + ([form] if form else []), headers_only=[LOG.name])
    except StoreError as error:
        if not form or office.settings.form_tab or f"'{form}'" not in str(error):
            raise
        log.warning("responses tab %r is gone; forgetting it", form)
        office.state.meta.set("form_tab", "")
        return office.store.read(names, headers_only=[LOG.name])
