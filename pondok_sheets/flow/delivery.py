"""What the sync does with WhatsApp's side of things: ticks in Kirim WA, delivery statuses to Log."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..messengers.links import is_ticked
from ..register.changes import read_told, told_text
from ..register.model import KIRIM_WA, Request
from ..register.table import CellWrite, RowKey, Table
from ..state.whatsapp import LinkQueue, SentLog

SENT_BY_STAFF = "terkirim oleh petugas"


def log_key(message_id: str) -> RowKey:
    """A Log row, found by its message id wherever staff moved it."""
    return RowKey(cells=(("ID Pesan", message_id),))


def hasil_write(message_id: str, text: str) -> CellWrite:
    """The Hasil cell of the Log row of `message_id`."""
    return CellWrite(log_key(message_id), "Hasil", text)


@dataclass
class Ticks:
    """What staff ticking rows of Kirim WA means for the register."""

    notified: list[tuple[Request, str]] = field(default_factory=list)
    log_writes: list[CellWrite] = field(default_factory=list)


def apply_ticks(table: Table, links: LinkQueue, requests: Sequence[Request], stamp: str) -> Ticks:
    """Rows newly ticked as sent: the resident now counts as told (if still the current status)."""
    ticks = Ticks()
    by_ticket = {r.ticket: r for r in requests if r.ticket}
    for _, row in table.records(KIRIM_WA.headers):
        if not is_ticked(row["Terkirim"]) or not row["No"].isdigit():
            continue
        link = links.get(int(row["No"]))
        if link is None or not links.mark_ticked(link.id, stamp):
            continue
        ticks.log_writes.append(hasil_write(f"link-{link.id}", SENT_BY_STAFF))
        request = by_ticket.get(link.ticket)
        told = read_told(request.notified) if request else None
        if request and told and told.waiting and told.status and told.status.value == link.status:
            ticks.notified.append((request, told_text(told.status, stamp)))
    return ticks


def link_rows(queue: LinkQueue) -> tuple[list[dict[str, str]], list[int]]:
    """Kirim WA rows for messages not yet in the tab, and their numbers."""
    links = queue.latest(not_in_sheet=True)
    rows = [{"No": str(m.id), "Waktu": m.at, "Tiket": m.ticket, "Status": m.status, "Kepada": m.kepada,
             "Pesan": m.text, "Tautan": m.link, "Terkirim": ""} for m in links]
    return rows, [m.id for m in links]


@dataclass
class Deliveries:
    """Delivery statuses to write into Log's Hasil column."""

    writes: list[CellWrite]
    ids: list[str]


def log_updates(sent: SentLog) -> Deliveries:
    """Hasil cells for every delivery status received since the last sync."""
    dirty = sent.dirty_deliveries()
    return Deliveries([hasil_write(i, text) for i, text in dirty], [i for i, _ in dirty])
