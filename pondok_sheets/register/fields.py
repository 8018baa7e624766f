"""A service's extra fields (the Layanan **Isian** cell) and the answers (the **Rincian** cell).

Isian syntax, one field per line, four parts separated by `|`:

    Label | kunci | wajib/opsional | jenis

- Label: what the form, the chat and the Rincian cell show (`Tempat lahir`).
- kunci: the placeholder name in the letter template: lower-case letters, digits and
  `_`, starting with a letter (`tempat_lahir` → `{{ tempat_lahir }}`).
- `wajib` (required) or `opsional`; an empty part means `wajib`.
- jenis: `teks`, `angka` (digits only, e.g. RT or Nomor KK), `tanggal` (residents may
  type `17-08-1990`, `17/08/1990`, `17 Agustus 1990` or `1990-08-17`; it is stored as
  `17 Agustus 1990`), or `pilihan: A, B, C` (case-insensitive; stored as written here).
  An empty part means `teks`.

Empty lines and lines starting with `#` are ignored. The Rincian cell holds one
`Label: nilai` per line in field order; staff may edit it, and `parse_rincian` reads
it back whatever the spacing, line order or letter case of the labels.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..errors import FieldSpecError
from .dates import long_date, month_number
from .field_defaults import DEFAULT_FIELDS
from .validation import clean_text, neutralize, unneutralize

__all__ = ["DEFAULT_FIELDS", "DEFAULT_FORMS", "Field", "FieldSpecError", "KINDS", "RESERVED_KEYS",
           "Rincian", "check_answers", "format_rincian", "parse_date", "parse_fields", "parse_rincian"]

KINDS = ("teks", "angka", "tanggal", "pilihan")
VALUE_MAX = 200
# Keys the form or the letter already uses; a field named so would shadow them.
RESERVED_KEYS = frozenset({
    "nama", "nik", "wa", "keterangan", "setuju", "nomor_surat", "tanggal_surat", "kabupaten",
    "kecamatan", "desa", "alamat_kantor", "kepala_desa", "layanan", "tiket", "qr_verifikasi"})
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_REQUIRED = {"": True, "wajib": True, "ya": True, "opsional": False, "tidak": False, "tidak wajib": False}


@dataclass(frozen=True)
class Field:
    """One extra field a service asks for."""

    label: str
    key: str
    required: bool = True
    kind: str = "teks"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rincian:
    """A Rincian cell read back: the known fields' values and the lines no field claims."""

    values: dict[str, str]
    unknown: tuple[str, ...] = field(default=())


def _parse_line(number: int, line: str) -> Field:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) < 2 or len(parts) > 4:
        raise ValueError(f"Baris {number} ({line!r}): tulis `Label | kunci | wajib/opsional | jenis`.")
    parts += [""] * (4 - len(parts))
    label, key, required_text, kind_text = parts
    label = clean_text(label)
    if not label:
        raise ValueError(f"Baris {number}: label (bagian pertama) kosong.")
    if ":" in label:
        raise ValueError(f"Baris {number} ({label}): label tidak boleh memuat titik dua (:).")
    key = key.lower()
    if not _KEY.fullmatch(key):
        raise ValueError(f"Baris {number} ({label}): kunci {key!r} hanya boleh huruf kecil, angka dan _, "
                         "diawali huruf (contoh: tempat_lahir).")
    if key in RESERVED_KEYS:
        raise ValueError(f"Baris {number} ({label}): kunci {key!r} sudah dipakai oleh formulir atau surat.")
    if required_text.lower() not in _REQUIRED:
        raise ValueError(f"Baris {number} ({label}): tulis `wajib` atau `opsional`, bukan {required_text!r}.")
    kind, _, options = kind_text.partition(":")
    kind = kind.strip().lower() or "teks"
    if kind not in KINDS:
        raise ValueError(f"Baris {number} ({label}): jenis {kind!r} tidak dikenal; pilih {', '.join(KINDS)}.")
    choices = tuple(c for c in (clean_text(o) for o in options.split(",")) if c)
    if kind == "pilihan" and len(choices) < 2:
        raise ValueError(f"Baris {number} ({label}): tulis pilihannya, contoh `pilihan: Laki-laki, Perempuan`.")
    if kind != "pilihan" and choices:
        raise ValueError(f"Baris {number} ({label}): hanya jenis `pilihan` yang memakai daftar setelah `:`.")
    return Field(label, key, _REQUIRED[required_text.lower()], kind, choices)


def parse_fields(text: str) -> tuple[Field, ...]:
    """The fields an Isian cell lists; raises FieldSpecError naming every bad line."""
    fields: list[Field] = []
    problems: list[str] = []
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parsed = _parse_line(number, line)
        except ValueError as error:
            problems.append(str(error))
            continue
        if any(f.key == parsed.key for f in fields):
            problems.append(f"Baris {number} ({parsed.label}): kunci {parsed.key!r} dipakai dua kali.")
        elif any(_label_key(f.label) == _label_key(parsed.label) for f in fields):
            problems.append(f"Baris {number}: label {parsed.label!r} dipakai dua kali.")
        else:
            fields.append(parsed)
    if problems:
        raise FieldSpecError(problems)
    return tuple(fields)


_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORD_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{2,4})")


def parse_date(text: str) -> date | None:
    """A date as residents type it (day first, or ISO from a date picker); None if unreadable."""
    text = " ".join(str(text).split())
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMERIC_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif (match := _WORD_DATE.fullmatch(text)) and month_number(match[2]):
        day, month, year = int(match[1]), month_number(match[2]) or 0, int(match[3])
    else:
        return None
    if year < 1000:  # a two-digit year is ambiguous across centuries: ask for four digits
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _check_one(spec: Field, raw: object) -> tuple[str, str | None]:
    value = clean_text(raw)
    if not value:
        return "", f"{spec.label} wajib diisi." if spec.required else None
    if len(value) > VALUE_MAX:
        return value, f"{spec.label} terlalu panjang (paling banyak {VALUE_MAX} huruf)."
    if spec.kind == "angka":
        digits = re.sub(r"[\s.]", "", value)
        return (digits, None) if digits.isdigit() else (value, f"{spec.label} harus berupa angka.")
    if spec.kind == "tanggal":
        parsed = parse_date(value)
        if parsed is None or not 1900 <= parsed.year <= 2100:
            return value, (f"{spec.label} tidak terbaca sebagai tanggal. Tulis seperti 17-08-1990 "
                           "atau 17 Agustus 1990.")
        return long_date(parsed), None
    if spec.kind == "pilihan":
        for choice in spec.choices:
            if choice.casefold() == value.casefold():
                return choice, None
        return value, f"{spec.label} harus salah satu dari: {', '.join(spec.choices)}."
    return value, None


def check_answers(fields: Iterable[Field], answers: Mapping[str, object]
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned values by key and the errors by key, each naming its field in Bahasa Indonesia."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        value, error = _check_one(spec, answers.get(spec.key, ""))
        if error:
            errors[spec.key] = error
        elif value:
            values[spec.key] = value
    return values, errors


def format_rincian(fields: Iterable[Field], values: Mapping[str, str], unknown: Iterable[str] = ()) -> str:
    """The Rincian cell: `Label: nilai` per line in field order, then any lines staff added."""
    lines = [f"{spec.label}: {neutralize(values[spec.key])}" for spec in fields if values.get(spec.key)]
    lines += [line for line in unknown if line.strip()]
    return neutralize("\n".join(lines))


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def parse_rincian(fields: Iterable[Field], text: str) -> Rincian:
    """The values in a Rincian cell, tolerant of staff edits; unmatched lines are kept, not lost."""
    by_label: dict[str, Field] = {}
    for spec in fields:
        by_label[_label_key(spec.label)] = spec
        by_label.setdefault(_label_key(spec.key.replace("_", " ")), spec)
    values: dict[str, str] = {}
    unknown: list[str] = []
    for raw in unneutralize(str(text or "")).splitlines():
        line = raw.strip()
        if not line:
            continue
        label, colon, value = line.partition(":")
        found = by_label.get(_label_key(label)) if colon else None
        if found is None or found.key in values:  # a second line for one field is kept, not merged
            unknown.append(line)
            continue
        values[found.key] = unneutralize(" ".join(value.split()))
    return Rincian(values, tuple(unknown))


DEFAULT_FORMS: dict[str, tuple[Field, ...]] = {code: parse_fields(text) for code, text in DEFAULT_FIELDS.items()}
