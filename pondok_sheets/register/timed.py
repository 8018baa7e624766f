"""Which rows time alone can make due: what a sync without a read still has to look at; and which rows
no sync has to look at again until one of their cells changes."""
from __future__ import annotations

import re

from .changes import NOT_SENT, SEPARATOR, TOLD, WAITING, due_announcements, read_told
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


def needs_nothing(request: Request) -> bool:
    """True for a row whose cells alone say no sync has anything to do for it, now or later: nothing to
    announce or to note in Notifikasi, no reminder to come, no message waiting for staff or refused.
    It depends on the row's cells only, so a row seen again with the same cells needs nothing still."""
    if not request.ticket or is_timed(request):
        return False
    due, notes = due_announcements([request])
    return not due and not notes and f"{SEPARATOR}{WAITING}" not in request.notified \
        and f"{SEPARATOR}{NOT_SENT}" not in request.notified
