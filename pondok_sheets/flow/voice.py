"""The residents' voice in the sync cycle: its tabs in the one read, its rows in the batched writes.

The Survei, Pengaduan and Kategori Pengaduan tabs join the cycle's one batched read, so an
answer already in the sheet is known after local state is lost, and they cost no request
of their own. An office that upgraded without `init-sheet` has none of them: the tab list is
asked for (see `tabs_to_read`) and missing tabs are left out; a read that fails on a tab
deleted since is repeated without them (as for a deleted form tab). Writes stay within the
cycle's budget of three: complaint Notifikasi cells join the one cell update; appends to
Survei and Pengaduan take a write only while the budget has room, oldest kind first, and
otherwise wait for the next cycle in the durable local queue.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..errors import StoreError
from ..office import Office
from ..register.complaints import KATEGORI, PENGADUAN
from ..register.model import Service, TabSpec
from ..register.stamps import format_stamp, parse_stamp
from ..register.survey import SURVEI
from ..register.table import CellWrite, Table
from . import complaints, survey
from .announcer import Announcer, Outcome

log = logging.getLogger(__name__)
TABS = (SURVEI.name, PENGADUAN.name, KATEGORI.name)
MISSING_KEY = "voice_tabs_missing"  # meta: tab -> when a read found it missing
MISSING_RECHECK = timedelta(hours=1)


@dataclass
class VoiceRows:
    """What the voice tabs want from this cycle's writes."""

    appends: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def tabs_to_read(office: Office, now: datetime) -> list[str]:
    """The voice tabs to add to this cycle's read.

    Once every voice tab was found, they are simply read. Until then (an office that has not
    run init-sheet since upgrading) the tab list is asked for first, at most once per
    MISSING_RECHECK: that cycle makes two reads, never more.
    """
    known = office.state.meta.get(MISSING_KEY)
    if known is not None and not known.get("missing"):
        return list(TABS)
    checked = parse_stamp(known.get("checked", ""), now.tzinfo) if known else None
    if known is None or checked is None or now - checked >= MISSING_RECHECK:
        names = set(office.store.tab_names())
        known = {"missing": [t for t in TABS if t not in names], "checked": format_stamp(now)}
        office.state.meta.set(MISSING_KEY, known)
        if known["missing"]:
            log.warning("register has no %s tab(s) yet; run init-sheet", ", ".join(known["missing"]))
    return [t for t in TABS if t not in known["missing"]]


def read_tabs(office: Office, read: Callable[[list[str]], dict[str, Table]], names: list[str],
              now: datetime) -> dict[str, Table]:
    """`read(names + voice tabs)`; when a voice tab has gone since, the read is repeated without them."""
    wanted = tabs_to_read(office, now)
    try:
        return read(names + wanted)
    except StoreError as error:
        if not any(f"Tab {t} " in str(error) or f"'{t}'" in str(error) for t in wanted):
            raise
        # Google names only the first missing tab: this cycle reads none of them (two reads at
        # most); the next asks for the tab list again.
        forget_missing(office)
        return read(names)


def forget_missing(office: Office) -> None:
    """Look at the register's tab list again at the next sync (after init-sheet, or a tab deleted)."""
    office.state.meta.set(MISSING_KEY, None)


def _usable(tables: dict[str, Table], spec: TabSpec) -> bool:
    """The tab was read and has every header the service writes (staff may have renamed one)."""
    table = tables.get(spec.name)
    if table is None:
        return False
    if any(table.column(h) is None for h in spec.headers):
        log.warning("tab %s lacks a header the service needs; run init-sheet", spec.name)
        return False
    return True


def take_in(office: Office, tables: dict[str, Table]) -> VoiceRows:
    """Answers and complaints the tabs hold are noted; returns the queued rows still to append."""
    rows = VoiceRows()
    if _usable(tables, SURVEI):
        rows.appends[SURVEI.name] = survey.take_in(office, tables[SURVEI.name])
    if _usable(tables, PENGADUAN):
        rows.appends[PENGADUAN.name] = complaints.take_in(office, tables[PENGADUAN.name], tables.get(KATEGORI.name))
    return rows


def prepare_announcer(office: Office, announcer: Announcer, services: list[Service]) -> None:
    """The survey invitation joins the status message of PONDOK_SURVEY_AFTER."""
    announcer.invite = survey.inviter(office, services)


def announce(office: Office, announcer: Announcer, tables: dict[str, Table],
             writes: dict[str, list[CellWrite]], now: datetime) -> list[Outcome]:
    """Complaint answers told; their Notifikasi cells join `writes`, the cycle's one cell update."""
    if not _usable(tables, PENGADUAN):
        return []
    cells, outcomes = complaints.announce(office, announcer, tables[PENGADUAN.name], now)
    if cells:
        writes.setdefault(PENGADUAN.name, []).extend(cells)
    return outcomes


def write_back(office: Office, rows: VoiceRows, budget: int) -> int:
    """Append waiting answers and complaints while the cycle's write budget lasts; returns writes used."""
    used = 0
    stamp = format_stamp(office.now())
    for tab in (PENGADUAN.name, SURVEI.name):
        pending = rows.appends.get(tab) or []
        if not pending or used >= budget:
            continue
        office.store.append(tab, pending)
        used += 1
        if tab == PENGADUAN.name:
            complaints.appended(office, pending, stamp)
        else:
            survey.appended(office, pending, stamp)
    return used
