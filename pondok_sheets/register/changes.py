"""What a sync must do to the register: tickets for walk-ins, and who must be told what.

The Notifikasi cell is the memory: it says which status the resident was last told
about (`Diproses · dikabari 2026-11-27 14:05`) or why they could not be told
(`Diproses · tidak terkirim: nomor WA tidak valid`). A row whose Status differs from
it is announced; one that matches is left alone, however often the sync runs.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from .model import REQUEST_FIELDS, Channel, Request, Status
from .table import RowKey, Table
from .tickets import as_upper
from .validation import Phone, parse_phone, sheets_changed_nik

SEPARATOR = " · "
TOLD = "dikabari"
NOT_SENT = "tidak terkirim"
BAD_NUMBER = "nomor WA tidak valid"


def read_requests(table: Table, offsets: Iterable[int] | None = None) -> list[Request]:
    """The Permohonan rows that hold anything, as Requests (with `offsets`, only those rows: 0-based, ascending)."""
    requests = []
    for row_number, values in table.iter_records(REQUEST_FIELDS, offsets):
        request = Request(**{REQUEST_FIELDS[h]: v for h, v in values.items()}, row=row_number)
        request.ticket = as_upper(request.ticket)
        requests.append(request)
    return requests


def is_walkin(request: Request) -> bool:
    """A row staff typed at the counter: it has content but no ticket yet."""
    return not request.ticket and bool(request.name or request.service or request.whatsapp or request.nik)


def walkin_key(request: Request) -> RowKey:
    """How the row is found again for writing its ticket, even if staff moved it."""
    cells = (("Tiket", ""), ("Nama", request.name), ("NIK", request.nik), ("WhatsApp", request.whatsapp),
             ("Layanan", request.service))
    return RowKey(cells=cells, hint=request.row)


def fingerprint(request: Request) -> str:
    """A stable identity for a row without a ticket: the same cells its key matches on."""
    text = "\x1f".join(value.casefold() for _, value in walkin_key(request).cells)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def walkin_cells(request: Request, ticket: str, stamp: str) -> dict[str, str]:
    """The cells the service fills in a walk-in row; what staff already typed is kept."""
    cells = {"Tiket": ticket}
    if not request.received:
        cells["Masuk"] = stamp
    if not request.channel:
        cells["Saluran"] = Channel.COUNTER.value
    if not request.status:
        cells["Status"] = Status.BARU.value
    return cells


WAITING = "menunggu dikirim petugas"


@dataclass(frozen=True)
class Told:
    """What the Notifikasi cell says the resident last heard (or is about to, in links mode)."""

    status: Status | None
    bad_number: bool = False
    waiting: bool = False  # queued for staff to send by hand; not yet told


def read_told(notified: str) -> Told:
    """Parse a Notifikasi cell; anything unrecognised means the resident was told nothing."""
    head, _, rest = notified.partition(SEPARATOR)
    return Told(Status.parse(head), bad_number=BAD_NUMBER in rest, waiting=rest.startswith(WAITING))


def waiting_text(status: Status) -> str:
    """The Notifikasi value while staff have yet to send the message themselves (links mode)."""
    return f"{status.value}{SEPARATOR}{WAITING}"


def told_text(status: Status, stamp: str) -> str:
    """The Notifikasi value after the resident was told about `status`."""
    return f"{status.value}{SEPARATOR}{TOLD} {stamp}"


def legacy_text(status: Status) -> str:
    """The Notifikasi value for a row that was in the sheet before the service: counted as told."""
    return f"{status.value}{SEPARATOR}data lama, tidak dikabari"


def not_sent_text(status: Status, reason: str) -> str:
    """The Notifikasi value when `status` could not be announced, with the reason for staff."""
    return f"{status.value}{SEPARATOR}{NOT_SENT}: {reason}"


def unknown_status_text(status: str) -> str:
    """The Notifikasi value for a Status staff typed that the service does not know."""
    return f"Status tidak dikenal: '{status}'. Pilih salah satu: {Status.names()}"


@dataclass(frozen=True)
class Due:
    """A row whose resident must hear about its current status."""

    request: Request
    status: Status
    phone: Phone | None


def due_announcements(requests: Iterable[Request]) -> tuple[list[Due], dict[str, str]]:
    """Rows to announce, and Notifikasi notes for rows whose Status is not one we know.

    A row already marked with a bad number is retried once its number is usable,
    which is how staff fixing the WhatsApp cell gets the message out.
    """
    due: list[Due] = []
    notes: dict[str, str] = {}
    for request in requests:
        if not request.ticket or not request.status:
            continue
        status = Status.parse(request.status)
        if status is None:
            note = unknown_status_text(request.status)
            if request.notified != note:
                notes[request.ticket] = note
            continue
        told = read_told(request.notified)
        if told.status == status and not told.bad_number:
            _note_sheets_change(request, notes)
            continue  # the common case, kept cheap: most rows were told long ago
        phone = parse_phone(request.whatsapp)
        if told.status == status and phone is None:
            _note_sheets_change(request, notes)
            continue  # still no usable number: nothing new to say
        due.append(Due(request, status, phone))
    return due, notes


def _note_sheets_change(request: Request, notes: dict[str, str]) -> None:
    """A NIK staff typed that Sheets stored as a number: said once in Notifikasi, after what it says."""
    reason = sheets_changed_nik(request.nik)
    if reason and reason not in request.notified:
        notes[request.ticket] = f"{request.notified}{SEPARATOR}{reason}" if request.notified else reason
