"""Complaints and suggestions (pengaduan) in the flow: filing, the public faces, telling the resident once.

A complaint is queued locally like a request and appended to the Pengaduan tab by the sync;
it never enters Permohonan, so the digest, the reminders and the register's statistics
never see it. When staff write a Tanggapan and move the status past Diterima, a resident
who left a number is told once per status, through the Announcer and its ledger, after the
settle delay and outside quiet hours; the row's Notifikasi cell remembers it.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from ..office import Office
from ..register import plan
from ..register.complaints import (
    DEFAULT_CATEGORIES,
    KATEGORI,
    PENGADUAN,
    ComplaintFigures,
    ComplaintStatus,
    PublicComplaint,
    categories_from,
    check_complaint,
    complaint_row,
    figures,
    is_answered,
    new_complaint_ticket,
    public_view,
)
from ..register.stamps import format_stamp, parse_day, parse_stamp
from ..register.table import CellWrite, RowKey, Table
from ..register.tickets import normalize_ticket
from ..register.timing import in_quiet_hours, is_settled
from ..register.validation import clean_text, parse_phone, unneutralize
from .announcer import Announcer, Outcome

log = logging.getLogger(__name__)
CATEGORIES_KEY = "complaint_categories"
# meta: complaints answered by staff whose message waits (settle delay, quiet hours); the change check
# reads the register while it is set, since Drive has nothing new to report about them.
REPLIES_WAITING = "complaint_replies_waiting"

ANSWER_TEXT = ("Pengaduan Anda ({kategori}, tiket {tiket}) sudah ditanggapi Kantor Desa {desa}.\n"
               "Status: {status}\nTanggapan: {tanggapan}\nLihat di {tautan}")


def categories(office: Office) -> tuple[str, ...]:
    """The categories staff keep in the Kategori Pengaduan tab, as of the last sync."""
    return tuple(office.state.meta.get(CATEGORIES_KEY, [])) or DEFAULT_CATEGORIES


def file_complaint(office: Office, form: Mapping[str, object], now: datetime | None = None) -> str:
    """Check and queue a complaint; returns its ticket. Raises InvalidInput (nothing kept) on bad fields."""
    complaint = check_complaint(form, categories(office))
    now = now or office.now()
    stamp = format_stamp(now)
    ticket = new_complaint_ticket(office.settings.ticket_prefix,
                                  lambda t: office.state.voice.is_known(PENGADUAN.name, t))
    office.state.voice.enqueue(PENGADUAN.name, ticket, complaint_row(complaint, ticket, stamp), stamp)
    log.info("complaint %s queued (%s)", ticket, "with contact" if complaint.phone else "anonymous")
    office.wakeup.notify()
    return ticket


def _as_dict(view: PublicComplaint) -> dict[str, Any]:
    data = asdict(view)
    data["received"] = view.received.isoformat() if view.received else ""
    return data


def _from_dict(data: Mapping[str, Any]) -> PublicComplaint:
    return PublicComplaint(**{**data, "received": parse_day(data.get("received") or "")})


def find(office: Office, typed: str) -> PublicComplaint | None:
    """A complaint's public face by its ticket (any case), from the last sync or the queue."""
    ticket = normalize_ticket(typed, office.settings.ticket_prefix)
    kept = office.state.voice.public(ticket)
    if kept is not None:
        return _from_dict(kept)
    row = office.state.voice.pending_row(PENGADUAN.name, ticket)
    return public_view(row) if row else None


def recent(office: Office, count: int = 20) -> list[PublicComplaint]:
    """The latest complaints, newest first, as anyone may see them."""
    views = [_from_dict(d) for d in office.state.voice.public_all()]
    views.sort(key=lambda v: (v.received.isoformat() if v.received else "", v.ticket), reverse=True)
    return views[:count]


def public_figures(office: Office) -> ComplaintFigures:
    """Complaints per category and the median working days to a first response."""
    responded = office.state.voice.responded_at()
    return figures((v.category, v.received, parse_day(responded.get(v.ticket, "")))
                   for v in (_from_dict(d) for d in office.state.voice.public_all()))


def take_in(office: Office, table: Table, kategori: Table | None) -> list[dict[str, str]]:
    """At a sync: keep the public faces, tickets and categories; returns queued complaints still to append."""
    records = [cells for _, cells in table.records(PENGADUAN.headers)]
    present = {cells["Tiket"].upper() for cells in records if cells.get("Tiket")}
    office.state.voice.save_seen(PENGADUAN.name, present)
    office.state.voice.save_public((public_view(c).ticket, _as_dict(public_view(c))) for c in records if c["Tiket"])
    if kategori is not None:
        names = categories_from(cells["Kategori"] for _, cells in kategori.records(KATEGORI.headers))
        office.state.meta.set(CATEGORIES_KEY, list(names))
    landed, rows = plan.new_rows(office.state.voice.pending(PENGADUAN.name), present)
    office.state.voice.mark_flushed(PENGADUAN.name, landed, format_stamp(office.now()))
    return rows


def appended(office: Office, rows: list[dict[str, str]], stamp: str) -> None:
    """Rows just appended: their public faces join the snapshot, their numbers leave local state."""
    office.state.voice.save_public(((r["Tiket"], _as_dict(public_view(r))) for r in rows), replace=False)
    office.state.voice.mark_flushed(PENGADUAN.name, [r["Tiket"] for r in rows], stamp)


def announce(office: Office, announcer: Announcer, table: Table, now: datetime) -> tuple[list[CellWrite], list[Outcome]]:
    """Tell each resident whose complaint staff answered, once per status; returns Notifikasi writes and outcomes."""
    settings = office.settings
    stamp = format_stamp(now)
    writes: list[CellWrite] = []
    outcomes: list[Outcome] = []
    waiting = 0
    for _, cells in table.records(PENGADUAN.headers):
        ticket = cells["Tiket"].upper()
        if not ticket or not is_answered(cells):
            continue
        status = ComplaintStatus.parse(cells["Status"])
        assert status is not None  # is_answered checked it
        first = parse_stamp(office.state.voice.first_answered(ticket, status.value, stamp), now.tzinfo) or now
        key = f"Pengaduan {status.value}"
        notified = cells["Notifikasi"]
        phone = parse_phone(cells["WhatsApp"])
        if notified.startswith(f"{key} ·") or phone is None or announcer.stopped:
            continue
        if not is_settled(first, now, settings.settle_minutes) or in_quiet_hours(now, settings.quiet_hours):
            waiting += 1
            continue
        values = {"kategori": clean_text(cells["Kategori"]), "tiket": ticket, "desa": settings.village,
                  "status": status.value, "tanggapan": unneutralize(cells["Tanggapan"]),
                  "tautan": f"{office.links.base}/pengaduan/{ticket}"}
        text = ANSWER_TEXT
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        outcome = announcer.tell(ticket, key, notified, phone, text, "pengaduan",
                                 ("-", ticket, values["kategori"], status.value, values["tanggapan"]),
                                 f"{key} · dikabari {stamp}")
        outcomes.append(outcome)
        result = getattr(outcome, "notified", "")
        if result and result != notified:
            writes.append(CellWrite(RowKey(ticket=ticket), "Notifikasi", result))
    office.state.meta.set(REPLIES_WAITING, waiting)
    return writes, outcomes
