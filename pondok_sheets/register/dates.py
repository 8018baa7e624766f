"""Dates as Indonesian letters and pages print them: `2 Desember 2026`, `04.37 WIB`, `XII`."""
from __future__ import annotations

from datetime import date, datetime, timedelta

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
          "Agustus", "September", "Oktober", "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

# Indonesia's three legal time zones by UTC offset (Keppres 41/1987).
_ZONE_BY_OFFSET = {timedelta(hours=7): "WIB", timedelta(hours=8): "WITA", timedelta(hours=9): "WIT"}


def long_date(d: date) -> str:
    """The date as written in a letter: `2 Desember 2026` (no leading zero)."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def day_name(d: date) -> str:
    """The day of the week as a letter names it: `Senin`."""
    return DAYS[d.weekday()]


def zone_name(dt: datetime) -> str:
    """WIB, WITA or WIT for an aware datetime in Indonesia; `UTC±H` elsewhere or when naive."""
    offset = dt.utcoffset()
    if offset is None:
        return ""
    if offset in _ZONE_BY_OFFSET:
        return _ZONE_BY_OFFSET[offset]
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    return f"UTC{hours:+d}" + (f":{rest // 60:02d}" if rest else "")


def date_time(dt: datetime) -> str:
    """`2 Desember 2026, 04.37 WIB`: Indonesian style puts a dot between hours and minutes."""
    zone = zone_name(dt)
    return f"{long_date(dt)}, {dt.hour:02d}.{dt.minute:02d}" + (f" {zone}" if zone else "")


def roman_month(month: int) -> str:
    """The month in Roman numerals, as letter numbers carry it: 12 -> `XII`."""
    if not 1 <= month <= 12:
        raise ValueError(f"bulan harus 1 sampai 12, bukan {month}")
    return _ROMAN[month - 1]


def month_number(name: str) -> int | None:
    """The month named in Indonesian (or its first three letters, or `Agt`/`Nop`), else None."""
    key = name.strip().rstrip(".").casefold()
    if not key:
        return None
    for number, month in enumerate(MONTHS, start=1):
        if month.casefold() == key or (len(key) >= 3 and month.casefold().startswith(key)):
            return number
    # Spellings staff still type: Agt (Agustus), Nop/Nopember (November), Pebruari.
    return {"agt": 8, "agu": 8, "nop": 11, "nopember": 11, "peb": 2, "pebruari": 2}.get(key)
