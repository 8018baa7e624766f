"""Letter numbers as village offices write them, e.g. `470/012/DS-PDK/XII/2026`.

A format is text with placeholders in square brackets (OpenSID's default is
`[kode]/[nomor:3]/[kode_desa]/[bulan_romawi]/[tahun]`):

- `[kode]`: the service's classification code (kode klasifikasi arsip, e.g. 470);
- `[nomor]` or `[nomor:N]`: the running number, zero-padded to N digits;
- `[kode_desa]`: the village's own code;
- `[bulan_romawi]` (XII), `[bulan]` (12) and `[tahun]` (2026): the letter's date.

The next number is computed from the numbers already in the register's Nomor Surat
column, so it survives the loss of local state: the highest running number among
those that read back in the same format, kode and period, plus one. A cancelled
letter keeps its number in the register, so that number is never given again.
Two services with the same format and the same kode share one sequence, as one
paper book would. The caller holds the run lock while it computes and writes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..errors import NumberFormatError
from .dates import roman_month

DEFAULT_FORMAT = "[kode]/[nomor:3]/[kode_desa]/[bulan_romawi]/[tahun]"
# 470 is "Kependudukan" in the Kemendagri archive classification most villages still number by;
# offices that use finer codes (474.3 for a death, 503 for a business) set them per service.
DEFAULT_KODE = "470"
PLACEHOLDERS = ("kode", "nomor", "kode_desa", "bulan_romawi", "bulan", "tahun")
RESTARTS = ("tahun", "bulan", "tidak")
_TOKEN = re.compile(r"\[([^\[\]]*)\]")
_ROMAN_PATTERN = "XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I"


@dataclass(frozen=True)
class NumberFormat:
    """A checked format: its text, its pieces (literal text or a placeholder) and the padding."""

    text: str
    pieces: tuple[tuple[str, str], ...]  # ("text", literal) or ("field", placeholder name)
    width: int


def parse_format(text: str, restart: str = "tahun") -> NumberFormat:
    """The format ready for use; raises NumberFormatError naming what is wrong."""
    text = str(text or "").strip()
    if restart not in RESTARTS:
        raise NumberFormatError(f"Pengulangan nomor {restart!r} tidak dikenal; pilih {', '.join(RESTARTS)}.")
    if not text:
        raise NumberFormatError("Format nomor surat kosong.")
    pieces: list[tuple[str, str]] = []
    width, position = 1, 0
    for match in _TOKEN.finditer(text):
        pieces.append(("text", text[position:match.start()]))
        name, _, size = match[1].strip().lower().partition(":")
        if name not in PLACEHOLDERS:
            raise NumberFormatError(f"Format nomor surat: [{match[1]}] tidak dikenal; yang bisa dipakai: "
                                    + ", ".join(f"[{p}]" for p in PLACEHOLDERS) + ".")
        if size and (name != "nomor" or not size.isdigit() or not 1 <= int(size) <= 6):
            raise NumberFormatError(f"Format nomor surat: [{match[1]}] salah; panjang hanya untuk nomor, "
                                    "1 sampai 6 angka, contoh [nomor:3].")
        if name == "nomor" and size:
            width = int(size)
        pieces.append(("field", name))
        position = match.end()
    pieces.append(("text", text[position:]))
    if any("[" in t or "]" in t for kind, t in pieces if kind == "text"):
        raise NumberFormatError(f"Format nomor surat {text!r}: kurung siku [ ] tidak berpasangan.")
    names = [name for kind, name in pieces if kind == "field"]
    if names.count("nomor") != 1:
        raise NumberFormatError("Format nomor surat harus memuat [nomor] tepat satu kali.")
    if restart != "tidak" and "tahun" not in names:
        raise NumberFormatError("Format nomor surat harus memuat [tahun], karena nomor diulang tiap tahun.")
    if restart == "bulan" and not {"bulan", "bulan_romawi"} & set(names):
        raise NumberFormatError("Format nomor surat harus memuat [bulan] atau [bulan_romawi], "
                                "karena nomor diulang tiap bulan.")
    return NumberFormat(text, tuple(p for p in pieces if p != ("text", "")), width)


def check_format(text: str, restart: str = "tahun") -> list[str]:
    """The problems with a format, for `doctor`; empty when it is usable."""
    try:
        parse_format(text, restart)
    except NumberFormatError as error:
        return [str(error)]
    return []


def format_number(fmt: NumberFormat, number: int, kode: str, kode_desa: str, when: date) -> str:
    """The letter number with every placeholder filled in."""
    values = {"kode": kode, "nomor": str(number).zfill(fmt.width), "kode_desa": kode_desa,
              "bulan_romawi": roman_month(when.month), "bulan": f"{when.month:02d}", "tahun": str(when.year)}
    return "".join(values[value] if kind == "field" else value for kind, value in fmt.pieces)


def _pattern(fmt: NumberFormat, kode: str, kode_desa: str) -> re.Pattern[str]:
    groups = {"kode": re.escape(kode), "kode_desa": re.escape(kode_desa), "nomor": r"(?P<nomor>\d+)",
              "bulan_romawi": f"(?P<bulan_romawi>{_ROMAN_PATTERN})", "bulan": r"(?P<bulan>\d{1,2})",
              "tahun": r"(?P<tahun>\d{4})"}
    seen: set[str] = set()
    parts = []
    for kind, value in fmt.pieces:
        if kind == "text":
            parts.append(r"\s*".join(re.escape(word) for word in value.split()) if value.strip() else re.escape(value))
        elif value in seen and value in ("bulan_romawi", "bulan", "tahun"):
            parts.append(f"(?P={value})")  # a placeholder used twice must read the same both times
        else:
            parts.append(groups[value])
            seen.add(value)
    return re.compile(r"\s*" + "".join(parts) + r"\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ReadNumber:
    """A number from the register read back: its running number and the period it shows."""

    number: int
    year: int | None
    month: int | None


def _read(pattern: re.Pattern[str], text: str) -> ReadNumber | None:
    match = pattern.fullmatch(str(text).lstrip("'"))
    if not match:
        return None
    found = match.groupdict()
    month = None
    if found.get("bulan"):
        month = int(found["bulan"])
    elif found.get("bulan_romawi"):
        month = _ROMAN_PATTERN.split("|")[::-1].index(found["bulan_romawi"].upper()) + 1
    year = int(found["tahun"]) if found.get("tahun") else None
    return ReadNumber(int(found["nomor"]), year, month)


def _period(restart: str, year: int | None, month: int | None) -> tuple[int | None, int | None]:
    return {"tahun": (year, None), "bulan": (year, month), "tidak": (None, None)}[restart]


class NumberBook:
    """The numbers already given, read once from the register, handing out the next ones in turn.

    One sync drafting K letters reads the Nomor Surat column once per kode, not once per
    letter, and each number it hands out counts for the next, so none is given twice.
    """

    def __init__(self, fmt: NumberFormat | str, existing: Iterable[str], kode_desa: str = "",
                 restart: str = "tahun"):
        self.format = parse_format(fmt, restart) if isinstance(fmt, str) else fmt
        self.restart, self.kode_desa = restart, kode_desa
        self._existing = [str(text) for text in existing if text]
        self._highest: dict[str, dict[tuple[int | None, int | None], int]] = {}

    def _book(self, kode: str) -> dict[tuple[int | None, int | None], int]:
        if kode not in self._highest:
            book: dict[tuple[int | None, int | None], int] = {}
            pattern = _pattern(self.format, kode, self.kode_desa)
            for text in self._existing:
                read = _read(pattern, text)
                if read is not None:
                    period = _period(self.restart, read.year, read.month)
                    book[period] = max(book.get(period, 0), read.number)
            self._highest[kode] = book
        return self._highest[kode]

    def take(self, kode: str, when: date) -> str:
        """The next number for this kode in the period of `when`, counted as given from now on."""
        book = self._book(kode)
        period = _period(self.restart, when.year, when.month)
        book[period] = book.get(period, 0) + 1
        return format_number(self.format, book[period], kode, self.kode_desa, when)


def next_number(fmt: NumberFormat | str, existing: Iterable[str], kode: str, when: date,
                kode_desa: str = "", restart: str = "tahun") -> str:
    """The next letter number after every number the register already holds for this format."""
    return NumberBook(fmt, existing, kode_desa, restart).take(kode, when)
