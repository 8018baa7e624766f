"""Which rows time alone can make due: what a sync without a read still has to look at."""
from __future__ import annotations

import re

from .changes import SEPARATOR, TOLD, due_announcements, read_told
from .model import Request, Status
from .timing import REMINDER_AFTER

_REMINDED = re.compile(r"pengingat (\d+)")


def is_timed(request: Request) -> bool:
    """True for a row whose message may become due with no edit: a change still to announce (settling,
    held by quiet hours or by a run's budget, a send to retry), or a pickup reminder still to come."""
    if not request.ticket:
        return False
    status = Status.parse(request.status)
    if status is not Status.SIAP_DIAMBIL and request.notified.startswith(f"{request.status}{SEPARATOR}{TOLD} "):
        return False  # the common case, kept cheap: told long ago, no reminder to come
    due, _ = due_announcements([request])
    if due:
        return True
    if Status.parse(request.status) is not Status.SIAP_DIAMBIL:
        return False
    told = read_told(request.notified)
    if told.status is not Status.SIAP_DIAMBIL or told.waiting:
        return False
    sent = _REMINDED.search(request.notified)
    return (int(sent.group(1)) if sent else 0) < len(REMINDER_AFTER)
