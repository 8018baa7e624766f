"""The letter: drafted in the sync (or by `surat TIKET`), numbered from the register (served by letter_files.py).

Nothing of a letter is kept but three cells of its row: Rincian (the answers), Nomor Surat
and Surat (the signed staff link, which also carries the letter's date). The .docx is
rendered again from the register whenever the link is opened, so a host that loses its
disk loses no letter. The sync drafts with no Google request of its own: the numbers
come from the one read, the cells go out in the one batched write.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from ..config import Settings, ensure_secret_key
from ..documents.letters import LetterTemplateError, VillageHeader
from ..errors import UnknownTicket
from ..office import Office
from ..register.catalog import find_service, services_from_rows
from ..register.changes import read_requests, read_told
from ..register.dates import long_date
from ..register.fields import parse_rincian
from ..register.letter_codes import LinkError, sign, verification_code, verify
from ..register.letter_numbers import DEFAULT_KODE, NumberBook
from ..register.model import LAYANAN, PERMOHONAN, Request, Service, Status
from ..register.table import CellWrite, RowKey, Table
from ..register.tickets import normalize_ticket
from ..register.validation import mask_name, unneutralize
from ..state.db import LOOKUP_CHUNK
from ..state.letters import LetterRecord
from .letter_templates import template_problems

log = logging.getLogger(__name__)
# Letters drafted per sync: rows that reach the drafting status all at once (an office turning drafting on
# over a register of thousands) are drafted over several syncs, in sheet order, so a sync's memory and its
# one cell update stay bounded (each letter is ~4 kB held until the write).
MAX_DRAFTS = 1000
DATE_MARK = "~"  # the signed link names "TICKET~YYYYMMDD": the request and the letter's date
REVOKED_MARK = "DICABUT"  # typed by staff at the start of the Surat cell: the letter no longer holds


def village_header(office: Office) -> VillageHeader:
    """The kop surat from the settings."""
    s = office.settings
    return VillageHeader(s.kabupaten, s.kecamatan, s.village, s.office_address, s.head_name)


def letter_secret(office: Office) -> str:
    """What signs the staff links and the verification codes: the office's secret key."""
    return office.settings.secret_key or _stored_secret(office.settings.data_dir)


@lru_cache(maxsize=8)
def _stored_secret(data_dir: Path) -> str:
    # Read once per process, not once per letter; a host without PONDOK_SECRET_KEY keeps it on disk.
    return ensure_secret_key(Settings(data_dir=data_dir))


def village_code(office: Office) -> str:
    """PONDOK_KODE_DESA, or `DS-<ticket prefix>` so a number never shows an empty `//`."""
    return office.settings.kode_desa or f"DS-{office.settings.ticket_prefix}"


def letter_link(office: Office, ticket: str, issued: date, now: datetime) -> str:
    """The staff-only link to the letter: signed, naming the request and its date, expiring."""
    expires = now + timedelta(days=office.settings.letter_link_days)
    token = sign(letter_secret(office), f"{ticket}{DATE_MARK}{issued:%Y%m%d}", expires)
    return f"{office.links.base}/surat/{token}"


def read_token(office: Office, token: str, now: datetime) -> tuple[str, date]:
    """The ticket and letter date a valid link names; raises LinkError otherwise."""
    named = verify(letter_secret(office), token, now)
    ticket, _, day = named.partition(DATE_MARK)
    try:
        return ticket, datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        raise LinkError("tampered", "Tautan telah diubah.") from None


def issued_date(link_cell: str) -> date | None:
    """The letter's date as its Surat cell records it (unsigned here: the register is the office's own)."""
    token = link_cell.strip().rsplit("/", 1)[-1]
    day = token.split(".", 1)[0].partition(DATE_MARK)[2]
    if len(day) != 8 or not day.isdigit():  # by hand, not strptime: every letter of the register, every sync
        return None
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _code(secret: str, ticket: str, number: str) -> str:
    return verification_code(secret, ticket, number)  # HMAC per letter per sync adds up at 50,000 rows


def record_of(office: Office, request: Request, services: Iterable[Service],
              known_codes: Mapping[tuple[str, str], str] | None = None) -> LetterRecord:
    """What /verifikasi may show of a letter: never the NIK, the phone or the Rincian.

    `known_codes` are the codes already kept for (ticket, number): a code never changes for a
    letter, so a sync computes the HMAC only for letters it has not seen before.
    """
    number = unneutralize(request.letter_number)
    issued = issued_date(request.letter_link)
    service = find_service(list(services), request.service)
    code = (known_codes or {}).get((request.ticket, number)) or _code(letter_secret(office), request.ticket, number)
    return LetterRecord(code, request.ticket, number, service.name if service else request.service,
                        long_date(issued) if issued else "", mask_name(unneutralize(request.name)),
                        is_revoked(request))


def is_revoked(request: Request) -> bool:
    """Staff revoked the letter: the request is Ditolak, or its Surat cell starts with DICABUT.

    The Surat mark revokes a letter without a status change, so a resident who already collected
    it (Selesai) gets no rejection message; the old link may stay after the mark.
    """
    return is_marked_revoked(request.letter_link) or Status.parse(request.status) == Status.DITOLAK


def is_marked_revoked(link_cell: str) -> bool:
    """The Surat cell starts with DICABUT (in any letter case)."""
    return link_cell.strip()[:len(REVOKED_MARK)].upper() == REVOKED_MARK


def revoke_replaced(office: Office, requests: Iterable[Request]) -> int:
    """Revoke the kept letters of these requests whose number is no longer in their Nomor Surat cell.

    Staff cancel a letter by clearing its number (and a redraft gives a new one): the old
    letter's QR code must then say revoked, not genuine. Returns how many were revoked.
    """
    current: dict[str, tuple[str, ...]] = {}  # tuples, not sets: 50,000 rows hold ~2 MB of them, not ~11
    for request in requests:
        if request.ticket:
            numbers = current.get(request.ticket, ())
            if request.letter_number:
                numbers += (unneutralize(request.letter_number),)
            current[request.ticket] = numbers
    return office.state.letters.revoke_replaced(current) if current else 0


def is_due(request: Request, draft_status: str) -> bool:
    """Drafted now: it reached the office's drafting status, or is about to be told it is ready to collect."""
    if not request.ticket or request.letter_number:
        return False
    status = Status.parse(request.status)
    if draft_status and status is not None and status.value == draft_status:
        return True
    # The Siap Diambil message carries the number, so a row that skipped the drafting status gets one first.
    return bool(draft_status) and status == Status.SIAP_DIAMBIL and read_told(request.notified).status != status


@dataclass
class Drafting:
    """The letters one run drafted; recorded locally only once their cells landed in the register."""

    drafted: list[tuple[Request, LetterRecord]] = field(default_factory=list)
    later: set[str] = field(default_factory=set)  # tickets due but left to the next sync (MAX_DRAFTS)

    def landed(self, office: Office, missed: Iterable[CellWrite]) -> None:
        """Keep the letters whose number reached the register (a missed write is drafted again next time)."""
        lost = {w.key.ticket for w in missed if w.column == "Nomor Surat"}
        office.state.letters.save(r for q, r in self.drafted if q.ticket not in lost)


class Drafter:
    """Numbers and links for the requests of one read; every number given counts for the next."""

    def __init__(self, office: Office, numbers: Iterable[str], services: list[Service], now: datetime):
        """`numbers`: every Nomor Surat cell of the register."""
        self.office, self.services, self.now = office, services, now
        self.existing = [unneutralize(n) for n in numbers if n]
        self.existing += office.state.letters.numbers()  # a number whose row staff deleted stays taken
        self.books: dict[str, NumberBook] = {}
        self.checked: dict[str, list[str]] = {}

    def draft(self, request: Request) -> tuple[dict[str, str], LetterRecord] | str:
        """The cells to write for one letter, or why it cannot be drafted (the row is left as it was)."""
        service = find_service(self.services, request.service)
        if service is None:
            return f"Surat {request.ticket} tidak dibuat: layanan '{request.service}' tidak ada di tab Layanan."
        if service.code not in self.checked:
            self.checked[service.code] = template_problems(self.office, service)
        if self.checked[service.code]:
            return f"Surat {request.ticket} tidak dibuat: " + " ".join(self.checked[service.code])
        answers = parse_rincian(service.fields, request.rincian).values
        missing = [f.label for f in service.fields if f.required and not answers.get(f.key)]
        if missing:  # never an official letter with a blank where a required answer goes
            return (f"Surat {request.ticket} tidak dibuat: Rincian belum lengkap ({', '.join(missing)}). Lengkapi "
                    "kolom Rincian, satu baris 'Isian: jawaban' per isian; surat dibuat pada sinkron berikutnya.")
        fmt = service.number_format or self.office.settings.letter_format
        if fmt not in self.books:
            self.books[fmt] = NumberBook(fmt, self.existing, kode_desa=village_code(self.office),
                                         restart=self.office.settings.letter_restart)
        today = self.now.date()
        number = self.books[fmt].take(service.letter_code or DEFAULT_KODE, today)
        request.letter_number = number
        request.letter_link = letter_link(self.office, request.ticket, today, self.now)
        return ({"Nomor Surat": number, "Surat": request.letter_link},
                record_of(self.office, request, self.services))


def draft_letters(office: Office, tables: dict[str, Table], requests: list[Request], services: list[Service],
                  new_rows: list[dict[str, str]], now: datetime, write: Callable[[Request, str, str], None],
                  warnings: list[str]) -> Drafting:
    """The sync's part: index the letters the register holds, draft those now due, fit new rows to the tab."""
    table = tables[PERMOHONAN.name]
    if table.column("Rincian") is None:  # an office that upgraded without init-sheet: keep the answers readable
        for row in new_rows:
            if row.get("Rincian"):
                row["Keterangan"] = "\n".join(filter(None, (row.get("Keterangan", ""), row.pop("Rincian"))))
            row.pop("Rincian", None)
    # The index of the letters the register holds, for the rows looked at: the skipped rows' entries stand.
    lettered = [r for r in requests if r.letter_number and r.ticket]
    for start in range(0, len(lettered), LOOKUP_CHUNK):  # a read that derives every row: a chunk at a time
        chunk = lettered[start:start + LOOKUP_CHUNK]
        known = office.state.letters.codes({r.ticket for r in chunk})
        office.state.letters.save(record_of(office, r, services, known) for r in chunk)
    revoke_replaced(office, requests)
    drafting = Drafting()
    due = [r for r in requests if is_due(r, office.settings.letter_status)]
    if not due:
        return drafting
    missing = [h for h in ("Nomor Surat", "Surat") if table.column(h) is None]
    if missing:
        warnings.append(f"surat belum dibuat: kolom {', '.join(missing)} belum ada di tab Permohonan. "
                        "Jalankan: python main.py init-sheet")
        return drafting
    if len(due) > MAX_DRAFTS:
        drafting.later = {r.ticket for r in due[MAX_DRAFTS:]}
        log.info("%d letters left to the next sync (at most %d a sync)", len(due) - MAX_DRAFTS, MAX_DRAFTS)
        due = due[:MAX_DRAFTS]
    drafter = Drafter(office, table.values("Nomor Surat"), services, now)
    for request in due:
        result = drafter.draft(request)
        if isinstance(result, str):
            if result not in warnings:
                warnings.append(result)
            continue
        cells, record = result
        for header, value in cells.items():
            write(request, header, value)
        drafting.drafted.append((request, record))
    return drafting


def read_register(office: Office) -> tuple[list[Request], list[Service], Table]:
    """Permohonan's requests, the catalogue, and Permohonan itself: one read, for a letter drafted or served now."""
    tables = office.store.read([PERMOHONAN.name, LAYANAN.name])
    table = tables[PERMOHONAN.name]
    services = services_from_rows([v for _, v in tables[LAYANAN.name].records(LAYANAN.headers)])
    return read_requests(table), services, table


def draft_ticket(office: Office, ticket: str, now: datetime) -> tuple[str, str]:
    """`surat TIKET`: draft (or give a fresh link to) one letter now; returns (number, link).

    The caller holds the run lock, so no sync or second command computes a number meanwhile.
    Raises UnknownTicket, or LetterTemplateError with the reason the letter cannot be drafted.
    """
    ticket = normalize_ticket(ticket, office.settings.ticket_prefix)
    requests, services, table = read_register(office)
    request = next((r for r in requests if r.ticket == ticket), None)
    if request is None:
        raise UnknownTicket(ticket)
    missing = [h for h in ("Nomor Surat", "Surat") if table.column(h) is None]
    if missing:
        raise LetterTemplateError(f"Kolom {', '.join(missing)} belum ada di tab Permohonan. "
                                  "Jalankan: python main.py init-sheet")
    revoke_replaced(office, [request])
    if request.letter_number and is_marked_revoked(request.letter_link):  # a fresh link would erase the mark
        raise LetterTemplateError(f"Surat {ticket} sudah dicabut (kolom Surat diawali {REVOKED_MARK}): "
                                  "tidak dibuat tautan baru. Hapus tanda itu bila surat berlaku lagi.")
    if request.letter_number:  # never a second number: only a fresh link, keeping the letter's date
        issued = issued_date(request.letter_link) or now.date()
        cells = {"Surat": letter_link(office, ticket, issued, now)}
        request.letter_link = cells["Surat"]
        record = record_of(office, request, services)
    else:
        result = Drafter(office, [r.letter_number for r in requests], services, now).draft(request)
        if isinstance(result, str):
            raise LetterTemplateError(result)
        cells, record = result
    writes = [CellWrite(RowKey(ticket=ticket), h, v) for h, v in cells.items()]
    if office.store.update(PERMOHONAN.name, writes):
        raise UnknownTicket(ticket)
    office.state.letters.save([record])
    return unneutralize(request.letter_number), cells["Surat"]
