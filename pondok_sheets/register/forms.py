"""A Google Form linked to the register: its responses tab, its questions, its pre-filled links.

Google writes each response as a row of the responses tab, first column the timestamp.
The service adds a `Tiket` column to that tab and writes each imported response's ticket
there: a response with a ticket is never imported again, whatever happens to local state,
and sorting or deleting responses changes nothing.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from .table import RowKey, Table

TIMESTAMP_HEADERS = ("Timestamp", "Cap waktu", "Stempel waktu")
TICKET = "Tiket"
# Question titles offices commonly use, per register field (compared ignoring case, spaces,
# punctuation and a trailing '*' or '(wajib)', so "No. HP/WA" is "No HP WA"); PONDOK_FORM_FIELDS
# adds the office's own.
DEFAULT_TITLES: dict[str, tuple[str, ...]] = {
    "nama": ("Nama", "Nama lengkap", "Nama pemohon", "Nama lengkap (sesuai KTP)", "Nama Lengkap Sesuai KTP",
             "Nama sesuai KTP", "Nama lengkap pemohon", "Nama warga", "Name", "Full name"),
    "nik": ("NIK", "Nomor NIK", "No. NIK", "Nomor Induk Kependudukan", "Nomor Induk Kependudukan (NIK)",
            "NIK (16 angka)", "NIK (Nomor Induk Kependudukan)", "NIK sesuai KTP", "NIK KTP", "Nomor KTP",
            "No. KTP"),
    "wa": ("Nomor WhatsApp", "No. WhatsApp", "Nomor WA", "No. WA", "WA", "WhatsApp", "No. HP", "Nomor HP",
           "No. HP/WA", "No. HP / WA", "No. WA/HP", "Nomor HP/WA", "Nomor HP (WhatsApp)", "Nomor HP/WhatsApp",
           "No. HP (WhatsApp)", "Nomor WhatsApp aktif", "No. WA aktif", "Nomor HP yang bisa dihubungi",
           "Telepon", "Nomor telepon", "No. Telp", "No. Telp/WA", "Phone", "Phone number"),
    "layanan": ("Layanan", "Jenis surat", "Keperluan surat", "Jenis layanan", "Surat yang dimohon",
                "Surat yang dibutuhkan", "Surat yang diajukan", "Jenis surat yang dibutuhkan",
                "Jenis surat yang dimohon", "Pilih layanan", "Pilih surat", "Layanan yang dibutuhkan", "Service"),
    "keterangan": ("Keterangan", "Keperluan", "Catatan", "Alasan", "Keterangan tambahan", "Untuk keperluan",
                   "Notes"),
    "setuju": ("Persetujuan", "Setuju", "Persetujuan data pribadi", "Pernyataan persetujuan", "Pernyataan",
               "Consent"),
}
# What an import cannot do without: a response lacking one of these is incomplete every time.
REQUIRED = ("nama", "nik", "wa", "layanan")
FIELD_NAMES = {"nama": "nama", "nik": "NIK", "wa": "nomor WhatsApp", "layanan": "layanan",
               "keterangan": "keterangan", "setuju": "persetujuan"}


def _title_key(text: str) -> str:
    bare = re.sub(r"\s*(\*|\(wajib\))\s*$", "", str(text), flags=re.IGNORECASE)
    return re.sub(r"[\W_]+", "", bare.casefold())


def is_responses_tab(table: Table) -> bool:
    """True for a tab Google Forms writes: its first header is the timestamp."""
    return bool(table.headers) and _title_key(table.headers[0]) in {_title_key(h) for h in TIMESTAMP_HEADERS}


def parse_overrides(text: str) -> dict[str, tuple[str, ...]]:
    """PONDOK_FORM_FIELDS, e.g. 'nama=Nama Pemohon; wa=Nomor yang bisa dihubungi'."""
    found: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        field, _, title = part.partition("=")
        field = field.strip().casefold()
        if field not in DEFAULT_TITLES or not title.strip():
            raise ValueError(f"pasangan kolom=judul dipisah titik koma; kolom: {', '.join(DEFAULT_TITLES)}")
        found[field] = found.get(field, ()) + (title.strip(),)
    return found


@dataclass(frozen=True)
class FormColumns:
    """Which header of the responses tab answers which register field."""

    timestamp: str
    fields: dict[str, str]

    @property
    def missing(self) -> list[str]:
        """Fields the form must ask for that no question maps to."""
        return [f for f in REQUIRED if f not in self.fields]


def map_columns(table: Table, overrides: Mapping[str, tuple[str, ...]] = {}) -> FormColumns:
    """Match the form's question titles to register fields; the office's own titles come first."""
    by_key = {_title_key(h): h for h in table.headers if h}
    fields: dict[str, str] = {}
    for field, titles in DEFAULT_TITLES.items():
        for title in overrides.get(field, ()) + titles:
            header = by_key.get(_title_key(title))
            if header and header not in fields.values():
                fields[field] = header
                break
    return FormColumns(table.headers[0], fields)


@dataclass(frozen=True)
class Response:
    """One response not yet imported."""

    row: int
    answers: dict[str, str]  # register field -> answer
    received: str  # the timestamp as the register writes times
    key: RowKey  # finds the response row again for writing its ticket

    @property
    def fingerprint(self) -> str:
        """A stable identity from the timestamp and the answers."""
        text = "\x1f".join([self.received] + [f"{k}={v}" for k, v in sorted(self.answers.items())])
        return "form:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def new_responses(table: Table, columns: FormColumns) -> Iterable[Response]:
    """Responses without a ticket yet, blank rows skipped, in sheet order."""
    headers = [columns.timestamp, TICKET, *columns.fields.values()]
    for row_number, values in table.records(headers):
        if values[TICKET] or not values[columns.timestamp]:
            continue
        answers = {field: values[header] for field, header in columns.fields.items()}
        cells = ((columns.timestamp, values[columns.timestamp]), (TICKET, ""),
                 *((columns.fields[f], answers[f]) for f in ("nama", "wa") if f in columns.fields))
        yield Response(row_number, answers, values[columns.timestamp], RowKey(cells=cells, hint=row_number))


def prefilled(url: str, service_name: str) -> str:
    """A Google Form link with the service chosen: the empty `entry.N=` of a pre-filled link is filled."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.startswith("entry.") and not v for k, v in query):
        return url
    filled = [(k, service_name if k.startswith("entry.") and not v else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(filled, quote_via=quote)))


def ticked_services(answer: str, names: Iterable[str]) -> list[str]:
    """The service names a checkbox answer holds when several were ticked ("A, B"), else []."""
    known = {" ".join(n.split()).casefold(): n for n in names}
    parts = [" ".join(p.split()).casefold() for p in str(answer).split(",")]
    found = [known[p] for p in parts if p in known]
    return found if len(found) >= 2 else []
