"""The register's vocabulary: statuses, tabs, their headers, services and rows."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from ..errors import FieldSpecError
from .fields import Field, parse_fields


class Status(str, Enum):
    """What staff set in the Status column; the values are what the sheet shows."""

    BARU = "Baru"
    DIPROSES = "Diproses"
    PERLU_DILENGKAPI = "Perlu Dilengkapi"
    SIAP_DIAMBIL = "Siap Diambil"
    SELESAI = "Selesai"
    DITOLAK = "Ditolak"

    @classmethod
    def parse(cls, text: str) -> "Status | None":
        """The status named by `text`, ignoring case and extra spaces; None if unknown."""
        return _STATUS_BY_KEY.get(" ".join(str(text).split()).casefold())

    @classmethod
    def names(cls) -> str:
        """All statuses as one comma-separated line, for error messages."""
        return ", ".join(s.value for s in cls)


_STATUS_BY_KEY = {status.value.casefold(): status for status in Status}
FINISHED = frozenset({Status.SELESAI, Status.DITOLAK})


class Channel(str, Enum):
    """Where a request came from (the Saluran column)."""

    FORM = "Formulir"
    WHATSAPP = "WhatsApp"
    GOOGLE_FORM = "Google Form"
    COUNTER = "Loket"


@dataclass(frozen=True)
class TabSpec:
    """A tab of the register and the headers the service needs in it."""

    name: str
    headers: tuple[str, ...]
    optional: tuple[str, ...] = ()  # among `headers`: created by init-sheet, but a sheet lacking them still works

    @property
    def required(self) -> tuple[str, ...]:
        """The headers the sync cannot work without."""
        return tuple(h for h in self.headers if h not in self.optional)


# The letter (issue 14): an office upgrading without init-sheet may lack these columns.
LETTER_COLUMNS = ("Rincian", "Nomor Surat", "Surat")
SERVICE_LETTER_COLUMNS = ("Isian", "Kode Surat", "Format Nomor")
PERMOHONAN = TabSpec(
    "Permohonan",
    ("Tiket", "Masuk", "Saluran", "Layanan", "Nama", "NIK", "WhatsApp",
     "Keterangan", "Status", "Catatan", "Diperbarui", "Notifikasi") + LETTER_COLUMNS,
    LETTER_COLUMNS,
)
LAYANAN = TabSpec("Layanan", ("Kode", "Layanan", "Persyaratan", "Lama (hari)", "Aktif", "Formulir")
                  + SERVICE_LETTER_COLUMNS, SERVICE_LETTER_COLUMNS)
PESAN = TabSpec("Pesan", ("Status", "Pesan"))
LOG = TabSpec("Log", ("Waktu", "Tiket", "Kepada", "Jenis", "Saluran", "Isi", "Hasil", "ID Pesan"))

TABS: tuple[TabSpec, ...] = (PERMOHONAN, LAYANAN, PESAN, LOG)
# Only in links mode: messages for staff to send by tapping a wa.me link, then tick.
KIRIM_WA = TabSpec("Kirim WA", ("No", "Waktu", "Tiket", "Status", "Kepada", "Pesan", "Tautan", "Terkirim"))


def header_key(text: object) -> str:
    """How headers are compared: case- and space-insensitive, so staff may retype them."""
    return "".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Service:
    """A row of the Layanan tab: something residents can ask the office for."""

    code: str
    name: str
    requirements: tuple[str, ...]
    days: int
    active: bool = True
    form_url: str = ""
    isian: str = ""  # the Isian cell as staff wrote it (see register/fields.py); "" for none
    letter_code: str = ""  # Kode Surat: the classification code in the letter number ("" → 470)
    number_format: str = ""  # Format Nomor ("" → PONDOK_LETTER_FORMAT)
    survey: bool = True  # the Layanan column Survei: Tidak turns the survey invitation off for this service

    @property
    def fields(self) -> tuple["Field", ...]:
        """The extra fields residents answer for this service; none when the Isian cell is unreadable."""
        return _fields(self.isian)[0]

    @property
    def field_problems(self) -> tuple[str, ...]:
        """What is wrong with the Isian cell, for doctor and the sync report."""
        return _fields(self.isian)[1]


@lru_cache(maxsize=256)
def _fields(isian: str) -> tuple[tuple[Field, ...], tuple[str, ...]]:
    try:
        return parse_fields(isian), ()
    except FieldSpecError as error:
        return (), tuple(error.problems)


# Optional Layanan column (issue 15): an office that upgrades without init-sheet reads every service as Ya.
LAYANAN_SURVEI = TabSpec("Layanan", ("Survei",))


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may see about a ticket: no name, NIK or number (`name` is masked, for staff-side uses)."""

    ticket: str
    service: str
    status: str
    received: str
    updated: str
    name: str = ""


@dataclass(slots=True)  # slots: a 50,000-row read holds 50,000 of these
class Request:
    """A row of the Permohonan tab, as the rules see it (values already read as text)."""

    ticket: str
    received: str = ""
    channel: str = ""
    service: str = ""
    name: str = ""
    nik: str = ""
    whatsapp: str = ""
    details: str = ""
    status: str = ""
    note: str = ""
    updated: str = ""
    notified: str = ""
    rincian: str = ""
    letter_number: str = ""
    letter_link: str = ""
    row: int = 0  # where it was at read time: a hint only, never an identity


# Permohonan header -> Request attribute; the one place the two vocabularies meet.
REQUEST_FIELDS: dict[str, str] = {
    "Tiket": "ticket", "Masuk": "received", "Saluran": "channel", "Layanan": "service",
    "Nama": "name", "NIK": "nik", "WhatsApp": "whatsapp", "Keterangan": "details",
    "Status": "status", "Catatan": "note", "Diperbarui": "updated", "Notifikasi": "notified",
    "Rincian": "rincian", "Nomor Surat": "letter_number", "Surat": "letter_link",
}
