"""Public statistics: how many requests, how fast, how often within the promised days. No personal data."""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .calendar import working_days_between
from .model import PublicStatus, Service, Status
from .stamps import parse_day

DONE = (Status.SIAP_DIAMBIL.value, Status.SELESAI.value)  # the letter is ready: the office's work is done


@dataclass(frozen=True)
class Record:
    """One request as the statistics see it."""

    service: str
    status: str
    received: date | None
    done: date | None  # first day it was seen ready or finished


@dataclass
class ServiceFigures:
    """The figures of one service over one period."""

    name: str
    promised: int
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    days: list[int] = field(default_factory=list)  # working days to finish, per finished request

    @property
    def median_days(self) -> float | None:
        """Median working days from submission to ready, or None before anything finished."""
        return statistics.median(self.days) if self.days else None

    @property
    def on_time_share(self) -> float | None:
        """Share of finished requests ready within the promised working days."""
        if not self.days:
            return None
        return sum(d <= self.promised for d in self.days) / len(self.days)


@dataclass
class Period:
    """Statistics over one period (this month, or all time)."""

    label: str
    services: list[ServiceFigures]

    @property
    def total(self) -> int:
        """All requests in the period."""
        return sum(s.total for s in self.services)

    @property
    def by_status(self) -> Counter:
        """Requests per status, all services together."""
        return sum((s.by_status for s in self.services), Counter())

    @property
    def largest(self) -> int:
        """The biggest service count, to scale the bars."""
        return max((s.total for s in self.services), default=0)


def period(label: str, records: Iterable[Record], services: Sequence[Service],
           since: date | None = None) -> Period:
    """Figures per service (in catalogue order) for requests received on or after `since`."""
    figures = {s.name: ServiceFigures(s.name, s.days) for s in services}
    for record in records:
        if since and (record.received is None or record.received < since):
            continue
        if record.service not in figures:
            figures[record.service] = ServiceFigures(record.service or "Lainnya", 0)
        entry = figures[record.service]
        entry.total += 1
        entry.by_status[record.status or Status.BARU.value] += 1
        if record.received and record.done and record.done >= record.received:
            entry.days.append(working_days_between(record.received, record.done))
    return Period(label, [f for f in figures.values() if f.total or f.name in {s.name for s in services}])


def records_from(statuses: Iterable[PublicStatus], done_at: Mapping[str, str]) -> list[Record]:
    """Records from snapshot rows (ticket, service, status, received) and first-finished times."""
    return [Record(s.service, s.status, parse_day(s.received), parse_day(done_at.get(s.ticket, "")))
            for s in statuses]
