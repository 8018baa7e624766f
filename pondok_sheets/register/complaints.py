"""Complaints and suggestions (pengaduan): the Pengaduan tab, its tickets, checks, public view and figures.

A complaint ticket is the office prefix, a dash, the marker 'A' (aduan) and a request-style
code: 'PDK-A7K3QM9X'. Its code is eight characters where a request's is seven, so the two
never collide and `tickets.is_ticket_shaped` says False for a complaint.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from ..errors import InvalidInput, TicketSpaceExhausted
from .calendar import working_days_between
from .model import TabSpec
from .stamps import parse_day
from .survey import redact
from .tickets import ALPHABET, CODE_LENGTH, new_ticket
from .validation import (
    Phone,
    check_phone,
    clean_text,
    is_ticked,
    neutralize,
    unneutralize,
)

MARKER = "A"
TEXT_MAX = 1000
LOCATION_MAX = 200

PENGADUAN = TabSpec(
    "Pengaduan",
    ("Tiket", "Masuk", "Kategori", "Isi", "Lokasi", "WhatsApp", "Status", "Tanggapan",
     "Tampilkan", "Diperbarui", "Notifikasi"),
)

# The list staff edit: one category per row (init-sheet seeds it with DEFAULT_CATEGORIES).
KATEGORI = TabSpec("Kategori Pengaduan", ("Kategori",))

# What residents complain to a kantor desa about; staff edit the list (a Kategori tab or setting).
DEFAULT_CATEGORIES = (
    "Pelayanan surat dan administrasi",
    "Jalan dan jembatan",
    "Air bersih",
    "Listrik dan penerangan jalan",
    "Bantuan sosial",
    "Kebersihan dan sampah",
    "Keamanan dan ketertiban",
    "Kesehatan",
    "Lainnya",
)


class ComplaintStatus(str, Enum):
    """What staff set in the Pengaduan tab's Status column."""

    DITERIMA = "Diterima"
    DITINDAKLANJUTI = "Ditindaklanjuti"
    SELESAI = "Selesai"
    TIDAK_DAPAT = "Tidak Dapat Ditindaklanjuti"

    @classmethod
    def parse(cls, text: str) -> ComplaintStatus | None:
        """The status named by `text`, ignoring case and extra spaces; None if unknown."""
        key = " ".join(str(text).split()).casefold()
        return next((s for s in cls if s.value.casefold() == key), None)


def new_complaint_ticket(prefix: str, is_taken: Callable[[str], bool] = lambda ticket: False) -> str:
    """A fresh complaint ticket like 'PDK-A7K3QM9X', its random part from `tickets.new_ticket`."""
    for _ in range(100):
        code = new_ticket(prefix).rpartition("-")[2]
        ticket = f"{prefix.upper()}-{MARKER}{code}"
        if not is_taken(ticket):
            return ticket
    raise TicketSpaceExhausted(prefix)


def is_complaint_ticket(text: str, prefix: str) -> bool:
    """True if `text` (normalised with `tickets.normalize_ticket`) is a complaint ticket of this office."""
    head = f"{prefix.upper()}-{MARKER}"
    code = text[len(head):] if text.upper().startswith(head) else ""
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


@dataclass(frozen=True)
class NewComplaint:
    """A checked complaint, ready to be written to the Pengaduan tab."""

    category: str
    text: str
    location: str = ""
    phone: Phone | None = None  # only with the resident's consent to be contacted


def check_complaint(form: Mapping[str, object], categories: Sequence[str] = DEFAULT_CATEGORIES) -> NewComplaint:
    """The complaint in the form fields kategori, isi, lokasi, wa, kontak; raises InvalidInput with every error."""
    errors: dict[str, str] = {}
    wanted = clean_text(form.get("kategori")).casefold()
    category = next((c for c in categories if c.casefold() == wanted), "")
    if not category:
        errors["kategori"] = "Pilih salah satu kategori pengaduan."
    text = clean_text(form.get("isi"))
    if not text:
        errors["isi"] = "Tuliskan isi pengaduan atau saran Anda."
    elif len(text) > TEXT_MAX:
        errors["isi"] = (f"Isi pengaduan terlalu panjang ({len(text)} huruf, paling banyak {TEXT_MAX}). "
                         "Persingkat, atau kirim sebagai dua pengaduan.")
    location = clean_text(form.get("lokasi"))
    if len(location) > LOCATION_MAX:
        errors["lokasi"] = f"Keterangan lokasi terlalu panjang (paling banyak {LOCATION_MAX} huruf)."
    phone = None
    wants_contact = is_ticked(form.get("kontak"))
    if clean_text(form.get("wa")):
        if not wants_contact:
            errors["kontak"] = ("Centang persetujuan dihubungi bila ingin dikabari lewat WhatsApp, "
                                "atau kosongkan nomor untuk mengadu tanpa nama.")
        else:
            phone, problem = check_phone(form.get("wa"))
            if problem:
                errors["wa"] = problem
    if errors:
        raise InvalidInput(errors)
    return NewComplaint(category, text, location, phone)


def complaint_row(complaint: NewComplaint, ticket: str, received: str) -> dict[str, str]:
    """The Pengaduan tab cells of a new complaint, resident text neutralised; Tampilkan stays unticked."""
    return {"Tiket": ticket, "Masuk": received, "Kategori": complaint.category,
            "Isi": neutralize(complaint.text), "Lokasi": neutralize(complaint.location),
            "WhatsApp": complaint.phone.e164 if complaint.phone else "",
            "Status": ComplaintStatus.DITERIMA.value, "Tanggapan": "", "Tampilkan": "",
            "Diperbarui": received, "Notifikasi": ""}


@dataclass(frozen=True)
class PublicComplaint:
    """What a public page may show of a complaint: never the number, the text only when Tampilkan is ticked."""

    ticket: str
    category: str
    received: date | None
    status: str
    response: str
    text: str | None


def public_view(cells: Mapping[str, str]) -> PublicComplaint:
    """The public face of one Pengaduan row (header -> text); shown text has its NIK, numbers and e-mails hidden.

    Residents type their NIK or number into the text despite the hint, and staff tick
    Tampilkan for what the complaint says, not to publish who said it.
    """
    status = ComplaintStatus.parse(cells.get("Status", ""))
    shown = is_ticked(cells.get("Tampilkan", ""))
    return PublicComplaint(
        ticket=clean_text(cells.get("Tiket", "")).upper(), category=clean_text(cells.get("Kategori", "")),
        received=parse_day(cells.get("Masuk", "")),
        status=(status or ComplaintStatus.DITERIMA).value,
        response=unneutralize(clean_text(cells.get("Tanggapan", ""))),
        text=redact(unneutralize(clean_text(cells.get("Isi", "")))) if shown else None)


ANSWERED = frozenset({ComplaintStatus.DITINDAKLANJUTI, ComplaintStatus.SELESAI, ComplaintStatus.TIDAK_DAPAT})


def is_answered(cells: Mapping[str, str]) -> bool:
    """True when staff have written a Tanggapan and moved the status past Diterima: the resident may be told."""
    return bool(clean_text(cells.get("Tanggapan", ""))) and ComplaintStatus.parse(cells.get("Status", "")) in ANSWERED


@dataclass(frozen=True)
class ComplaintFigures:
    """Public figures: complaints per category and the median working days to a first response."""

    by_category: Counter
    median_days: float | None
    answered: int


def figures(records: Iterable[tuple[str, date | None, date | None]]) -> ComplaintFigures:
    """Figures from (category, received, first responded) per complaint; unanswered ones count only by category."""
    by_category: Counter = Counter()
    days: list[int] = []
    for category, received, responded in records:
        by_category[category or "Lainnya"] += 1
        if received and responded and responded >= received:
            days.append(working_days_between(received, responded))
    return ComplaintFigures(by_category, statistics.median(days) if days else None, len(days))


def records_from(rows: Iterable[Mapping[str, str]], responded_at: Mapping[str, str]) -> list[
        tuple[str, date | None, date | None]]:
    """(category, received, first responded) per Pengaduan row, `responded_at` mapping ticket -> first answered time.

    The first response is when the sync first saw the row answered (kept like the requests'
    first-finished times), not Diperbarui, which moves again with every later edit.
    """
    return [(clean_text(r.get("Kategori", "")), parse_day(r.get("Masuk", "")),
             parse_day(responded_at.get(clean_text(r.get("Tiket", "")).upper(), ""))) for r in rows]


def categories_from(lines: Iterable[str]) -> tuple[str, ...]:
    """The staff's category list (one per cell or line), cleaned, without duplicates; the default when empty."""
    seen: dict[str, str] = {}
    for line in lines:
        name = re.sub(r"^\s*[-•*\d.)]+\s*", "", clean_text(line))
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values()) or DEFAULT_CATEGORIES
