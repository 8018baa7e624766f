"""What the sync does with WhatsApp's side of things: ticks in Kirim WA, delivery statuses to Log,
deliveries that failed after Meta accepted them, and where each announcement can reach its resident."""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from ..messengers.links import is_ticked
from ..register import plan
from ..register.changes import (
    NOT_SENT,
    SEPARATOR,
    TOLD,
    Due,
    not_sent_text,
    read_told,
    told_text,
)
from ..register.model import KIRIM_WA, Request, Status
from ..register.table import CellWrite, RowKey, Table
from ..register.validation import Phone, parse_phone
from ..state import State
from ..state.whatsapp import LinkMessage, LinkQueue, SentLog
from .announcer import Outcome, Refused, Sent

log = logging.getLogger(__name__)
# A business-scoped user id (Meta: two-letter country code, a period, up to 128 letters and digits).
USER_ID = re.compile(r"^[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}$")
LinkKey = tuple[str, str, str, str]  # a Kirim WA row's No, Waktu, Tiket and Status

SENT_BY_STAFF = "terkirim oleh petugas"
NEW_ADDRESS = "nomor_baru"  # notes book: hash of an old number or user id -> the one the resident moved to


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
    in_tab: set[LinkKey] = field(default_factory=set)  # the message of every row of the tab, as read


def apply_ticks(table: Table, links: LinkQueue, requests: Sequence[Request], stamp: str) -> Ticks:
    """Rows newly ticked as sent: the resident now counts as told (if still the current status)."""
    ticks = Ticks()
    by_ticket = {r.ticket: r for r in requests if r.ticket}
    for _, row in table.records(KIRIM_WA.headers):
        key = row_key(row)
        ticks.in_tab.add(key)
        if not is_ticked(row["Terkirim"]) or not row["No"].isdigit():
            continue
        link = links.get(int(row["No"]))
        if link is None or link_key(link) != key or not links.mark_ticked(link.id, stamp):
            continue  # no such message, or the row of another one under the same No (the state was lost since)
        ticks.log_writes.append(hasil_write(f"link-{link.id}", SENT_BY_STAFF))
        request = by_ticket.get(link.ticket)
        told = read_told(request.notified) if request else None
        if request and told and told.waiting and told.status and told.status.value == link.status:
            ticks.notified.append((request, told_text(told.status, stamp)))
    return ticks


def link_key(message: LinkMessage) -> LinkKey:
    """What a message's Kirim WA row holds that tells it from another: its No alone starts again at 1
    when the local state is lost, so the time, ticket and status it was made for go with it."""
    return str(message.id), message.at, message.ticket, message.status


def row_key(row: Mapping[str, str]) -> LinkKey:
    """`link_key` of a Kirim WA row as read."""
    return row["No"], row["Waktu"], row["Tiket"].upper(), row["Status"]


def link_rows(queue: LinkQueue, in_tab: Collection[LinkKey] = ()) -> tuple[list[dict[str, str]], list[int]]:
    """Kirim WA rows for messages not yet in the tab, and their numbers. A message already among `in_tab`
    (the tab as this cycle read it) got there by an append whose answer was lost (Google timed out after
    writing, or the process died): it is marked in the tab, never appended again, so staff never see one
    message on two rows."""
    links = queue.latest(not_in_sheet=True)
    landed = {m.id for m in links if link_key(m) in in_tab}
    if landed:
        log.info("%d Kirim WA rows were already in the tab after an append whose answer was lost", len(landed))
        queue.mark_in_sheet(landed)
    links = [m for m in links if m.id not in landed]
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


def contact_address(cell: str) -> Phone | None:
    """The WhatsApp address in a WhatsApp cell: an Indonesian number, or a username user's user id."""
    phone = parse_phone(cell)
    if phone is None and USER_ID.match(cell.strip()):
        return Phone(cell.strip())
    return phone


def address_of(request: Request, state: State, phone: Phone | None = None) -> Phone | None:
    """Where a message about this row reaches its resident: the WhatsApp cell (a number or a user id, or
    `phone` already read from it), then the number or user id Meta said the resident moved to since."""
    phone = phone or contact_address(request.whatsapp)
    if phone is None:
        return None
    moved = state.notes.get(NEW_ADDRESS, state.hash(phone.e164))
    return Phone(moved[0]) if moved else phone


def reachable(due: Sequence[Due], state: State) -> list[Due]:
    """Each announcement addressed where it can arrive: a user id typed in the cell, or a changed number."""
    found = []
    for item in due:
        phone = address_of(item.request, state, item.phone)
        found.append(item if phone == item.phone else dataclasses.replace(item, phone=phone))
    return found


def reminders(requests: Iterable[Request], state: State, now: datetime, quiet: tuple[time, time] | None,
              exclude: set[str]) -> list[tuple[Request, int, Phone]]:
    """Pickup reminders due now, each addressed as status messages are (a user id, a changed number)."""
    due = []
    for request, number in plan.reminders(requests, now, quiet, exclude):
        phone = address_of(request, state)
        if phone is not None:
            due.append((request, number, phone))
    return due


def fixed_numbers(requests: Sequence[Request], state: State, now: datetime) -> list[Due]:
    """Rows whose message WhatsApp could not deliver, tried again: when staff have since changed the number,
    or, for a failure Meta calls passing, when its retry time has come (the same number)."""
    due = []
    retry = state.undelivered.retries_due(now)
    for request in requests:
        if f"{SEPARATOR}{NOT_SENT}:" not in request.notified or not state.undelivered.has_failed(request.ticket):
            continue
        status, told = Status.parse(request.status), read_told(request.notified)
        phone = contact_address(request.whatsapp)
        if status is None or told.status != status or told.bad_number or phone is None:
            continue
        if request.ticket in retry or not state.undelivered.failed_with(request.ticket, phone.e164):
            due.append(Due(request, status, phone))
    return due


def note_outcome(state: State, item: Due, outcome: Outcome, now: datetime) -> None:
    """Remember the number an announcement was refused for, so a changed number gets one more try; a
    retry that went out is not due again."""
    if isinstance(outcome, Refused) and item.phone is not None:
        state.undelivered.note_number(item.request.ticket, item.phone.e164, now)
    if isinstance(outcome, Sent):
        state.undelivered.retried(item.request.ticket)


def undelivered_cells(requests: Sequence[Request], state: State, announced: Collection[str]) -> list[tuple[Request, str]]:
    """Notifikasi cells for announcements WhatsApp reported undelivered after accepting them."""
    by_ticket = {r.ticket: r for r in requests if r.ticket}
    cells = []
    for ticket, status_text, reason in state.undelivered.waiting():
        request, status = by_ticket.get(ticket), Status.parse(status_text)
        if request is None or status is None:
            queued = state.queue.queued(ticket)
            if queued is None or not queued.row:  # not waiting to be appended either: nothing to correct
                state.undelivered.written(ticket)
            continue
        value = not_sent_text(status, reason)
        if ticket in announced:
            continue
        told = read_told(request.notified)
        if request.notified == value or Status.parse(request.status) is not status or told.status is not status \
                or f"{SEPARATOR}{TOLD} " not in request.notified:
            state.undelivered.written(ticket)  # written at an earlier sync, or the row has moved on
            continue
        cells.append((request, value))
    return cells
