"""The pure plan of a sync cycle: which queued rows are new, who is told now, which cells follow.

No I/O here: the cycle in `flow/sync.py` reads, hands what it read to these functions,
announces what they choose and writes back what they return.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from .changes import SEPARATOR, Due, fingerprint, is_walkin
from .model import REQUEST_FIELDS, Request
from .stamps import parse_stamp
from .timing import in_quiet_hours, is_settled, reminder_due
from .validation import sheets_changed_nik

FIRST_IN_LINE = timedelta(days=36500)


def request_from_row(row: Mapping[str, str]) -> Request:
    """A new register row (header -> value) as the Request it will be once appended."""
    return Request(**{attr: row.get(header, "") for header, attr in REQUEST_FIELDS.items()})


def new_rows(pending: Iterable[tuple[str, Mapping[str, str]]], present: set[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Of the queued (ticket, row) pairs: tickets already in the register (an earlier append landed
    before its bookkeeping), and the rows still to append."""
    landed, rows = [], []
    for ticket, row in pending:
        if ticket in present:
            landed.append(ticket)
        else:
            rows.append(dict(row))
    return landed, rows


@dataclass(frozen=True)
class Schedule:
    """The announcements to make now, oldest change first, and how many wait (settling, quiet hours, budget)."""

    ready: list[Due]
    waiting: int


def schedule(due: Sequence[Due], fresh: set[str], since: Mapping[str, tuple[str, str]], now: datetime,
             zone: tzinfo, settle_minutes: int, quiet: tuple[time, time] | None, max_sends: int) -> Schedule:
    """Choose what to announce now.

    A confirmation of a request just submitted goes at once. Any other change waits until
    it has stayed unchanged for PONDOK_SETTLE_MINUTES, and until quiet hours are over.
    """
    quiet_now = in_quiet_hours(now, quiet)
    ready: list[tuple[datetime, Due]] = []
    waiting = 0
    for item in due:
        if item.request.ticket in fresh:
            ready.append((now - FIRST_IN_LINE, item))
            continue
        status, seen = since.get(item.request.ticket, ("", ""))
        first = (parse_stamp(seen, zone) or now) if status == item.request.status else now
        if not is_settled(first, now, settle_minutes) or (quiet_now and item.phone):
            waiting += 1
            continue
        ready.append((first, item))
    ready.sort(key=lambda pair: pair[0])
    waiting += max(0, len(ready) - max_sends)
    return Schedule([item for _, item in ready[:max_sends]], waiting)


def reminders(requests: Iterable[Request], now: datetime, quiet: tuple[time, time] | None,
              exclude: set[str]) -> list[tuple[Request, int]]:
    """Pickup reminders due now (1 or 2), never during quiet hours; the caller finds where each one goes."""
    if in_quiet_hours(now, quiet):
        return []
    due = []
    for request in requests:
        if request.ticket in exclude:
            continue
        number = reminder_due(request, now)
        if number:
            due.append((request, number))
    return due


def notified_cells(requests: Iterable[Request], results: Mapping[str, str], notes: Mapping[str, str],
                   stamp: str) -> list[tuple[Request, str, str]]:
    """(request, header, value) for every Notifikasi (and Diperbarui) the announcements changed."""
    cells = []
    for request in requests:
        result = results.get(request.ticket)
        reason = sheets_changed_nik(request.nik) if result is not None else None
        if reason and reason not in result:  # a walk-in NIK Sheets made a number: staff read why here
            result = f"{result}{SEPARATOR}{reason}"
        if result is not None and result != request.notified:
            cells += [(request, "Notifikasi", result), (request, "Diperbarui", stamp)]
        if request.ticket in notes:
            cells.append((request, "Notifikasi", notes[request.ticket]))
    return cells


def repeated_tickets(requests: Iterable[Request]) -> dict[str, list[int]]:
    """Tickets found in more than one row (staff copy-pasted a row), with the sheet rows they are in."""
    rows: dict[str, list[int]] = {}
    for request in requests:
        if request.ticket:
            rows.setdefault(request.ticket, []).append(request.row)
    return {ticket: found for ticket, found in rows.items() if len(found) > 1}


def repeated_walkins(requests: Iterable[Request]) -> dict[str, list[int]]:
    """Walk-in rows typed twice, identically: fingerprint -> sheet rows. Neither can be told apart from the other."""
    rows: dict[str, list[int]] = {}
    for request in filter(is_walkin, requests):
        rows.setdefault(fingerprint(request), []).append(request.row)
    return {key: found for key, found in rows.items() if len(found) > 1}


def repeated_ticket_warning(ticket: str, rows: Sequence[int]) -> str:
    """What staff read when one ticket sits in several rows."""
    where = ", ".join(str(r) for r in rows)
    return (f"Tiket {ticket} ada di {len(rows)} baris (baris {where}) tab Permohonan. Hapus salinannya; "
            "baris-baris itu tidak diubah dan pemohonnya tidak dikabari sampai tinggal satu.")


def repeated_walkin_warning(rows: Sequence[int]) -> str:
    """What staff read when a walk-in row was typed twice."""
    where = ", ".join(str(r) for r in rows)
    return (f"Baris {where} tab Permohonan sama persis dan belum bertiket. Hapus salah satu; "
            "keduanya belum diberi tiket sampai berbeda.")
