"""The residents' voice in the sync cycle: its tabs in the one read, its rows in the batched writes.

The Survei, Pengaduan and Kategori Pengaduan tabs join the cycle's one batched read, so an
answer already in the sheet is known after local state is lost, and they cost no request
of their own. An office that upgraded without `init-sheet` has none of them: the read that
fails on a missing tab is repeated without them (as for a deleted form tab), once; later
cycles leave them out until init-sheet has created them. Writes stay within the
cycle's budget of three: complaint Notifikasi cells join the one cell update; appends to
Survei and Pengaduan take a write only while the budget has room, oldest kind first, and
otherwise wait for the next cycle in the durable local queue.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import StoreError
from ..office import Office
from ..register.complaints import KATEGORI, PENGADUAN
from ..register.model import Service, TabSpec
from ..register.stamps import format_stamp
from ..register.survey import SURVEI
from ..register.table import CellWrite, Table
from . import complaints, survey
from .announcer import Announcer, Outcome

log = logging.getLogger(__name__)
TABS = (SURVEI.name, PENGADUAN.name, KATEGORI.name)
MISSING_KEY = "voice_tabs_missing"  # meta: True once a read found a voice tab missing


@dataclass
class VoiceRows:
    """What the voice tabs want from this cycle's writes."""

    appends: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def tabs_to_read(office: Office) -> list[str]:
    """The voice tabs to add to this cycle's read: all of them, unless a read found them missing.

    Missing tabs are looked for again only after init-sheet (`forget_missing`), which is what
    creates them: asking for the tab list every so often would cost a third read in a cycle
    that also writes.
    """
    return [] if office.state.meta.get(MISSING_KEY) else list(TABS)


def read_tabs(office: Office, read: Callable[[list[str]], dict[str, Table]], names: list[str]) -> dict[str, Table]:
    """`read(names + voice tabs)`; when one of them is missing, the read is repeated without them."""
    wanted = tabs_to_read(office)
    try:
        return read(names + wanted)
    except StoreError as error:
        if not any(f"Tab {t} " in str(error) or f"'{t}'" in str(error) for t in wanted):
            raise
        # Google names only the first missing tab: none of them is read until init-sheet has run.
        office.state.meta.set(MISSING_KEY, True)
        log.warning("a voice tab is missing, left out until init-sheet runs: %s", error)
        return read(names)


def forget_missing(office: Office) -> None:
    """Read every voice tab again at the next sync (after init-sheet created them)."""
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
