"""When a resident may be told: settle delay, quiet hours, pickup reminders."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from .calendar import working_days_between
from .changes import SEPARATOR, TOLD, read_told
from .model import Request, Status
from .stamps import parse_day

REMINDER_AFTER = (3, 7)  # working days after "Siap Diambil" was told: first and second reminder, never a third
_TOLD_AT = re.compile(rf"{TOLD} (\d{{4}}-\d\d-\d\d \d\d:\d\d)")
_REMINDED = re.compile(r"pengingat (\d+)")


def in_quiet_hours(moment: datetime, quiet: tuple[time, time] | None) -> bool:
    """True inside PONDOK_QUIET_HOURS (a range that may cross midnight, e.g. 21:00–07:00)."""
    if quiet is None:
        return False
    start, end = quiet
    now = moment.time()
    return (now >= start or now < end) if start > end else (start <= now < end)


def is_settled(first_seen: datetime, now: datetime, settle_minutes: int) -> bool:
    """True once a status has stayed unchanged for the settle delay (a mis-click undone sends nothing)."""
    return now - first_seen >= timedelta(minutes=settle_minutes)


def reminder_due(request: Request, now: datetime) -> int:
    """Which pickup reminder (1 or 2) is due for this row now, or 0."""
    if Status.parse(request.status) is not Status.SIAP_DIAMBIL:
        return 0
    told = read_told(request.notified)
    stamp = _TOLD_AT.search(request.notified)
    if told.status is not Status.SIAP_DIAMBIL or told.waiting or stamp is None:
        return 0
    sent = _REMINDED.search(request.notified)
    count = int(sent.group(1)) if sent else 0
    if count >= len(REMINDER_AFTER):
        return 0
    told_on = parse_day(stamp.group(1))
    if told_on is None:
        return 0
    return count + 1 if working_days_between(told_on, now.date()) >= REMINDER_AFTER[count] else 0


def reminded_text(notified: str, number: int) -> str:
    """The Notifikasi value after reminder `number` went out; the original 'dikabari' time is kept."""
    base = _REMINDED.sub("", notified).rstrip(" ·")
    return f"{base}{SEPARATOR}pengingat {number}"
