"""How the register writes a moment: local time to the minute, sortable as text (`2026-11-27 14:05`)."""
from __future__ import annotations

from datetime import date, datetime, tzinfo

STAMP = "%Y-%m-%d %H:%M"


def format_stamp(moment: datetime) -> str:
    """A moment as the register and Log write it."""
    return moment.strftime(STAMP)


def parse_stamp(text: str, zone: tzinfo) -> datetime | None:
    """A register time back as a moment in the office's time zone, or None when it is not one."""
    try:
        return datetime.strptime(text.strip()[:16], STAMP).replace(tzinfo=zone)
    except ValueError:
        return None


def parse_day(text: str) -> date | None:
    """The date part of a register time ('2026-11-27 09:00'), or None when it is not one."""
    try:
        return datetime.strptime(text.strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None
