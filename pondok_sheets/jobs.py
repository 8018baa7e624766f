"""The jobs, and `tick`: run every job that is due, once, and return what ran.

Jobs are plain functions of (office, now). `run_due` is what cron's `tick`, the
`/tasks/tick` endpoint and `serve`'s scheduler all call; it holds the run lock, so
overlapping runs never both do the work, and it remembers when each job last ran so a
late or repeated tick catches up exactly once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .lock import RunLock
from .register.table import MissingHeader
from .stores.base import StoreError
from .register.digest import compose_digest
from .register.messages import Notice

if TYPE_CHECKING:
    from .office import Office

log = logging.getLogger(__name__)
SYNC_SLACK = timedelta(seconds=20)  # a cron "every 2 minutes" may fire a little early


@dataclass
class TickResult:
    """What one tick did."""

    ran: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    locked: bool = False
    ok: bool = True

    def as_json(self) -> dict[str, object]:
        """The summary `/tasks/tick` answers."""
        return {"ok": self.ok, "terkunci": self.locked, "dijalankan": self.ran, "belum_waktunya": self.skipped}

    def lines(self) -> list[str]:
        """The summary `tick` prints, one line per job."""
        if self.locked:
            return ["Tick lain sedang berjalan; tidak ada yang dikerjakan."]
        return [f"{name}: {text}" for name, text in self.ran.items()] + \
               [f"{name}: belum waktunya" for name in self.skipped]


def run_lock(office: "Office") -> RunLock:
    """The one lock every run takes: cron's tick, /tasks/tick, serve's jobs, a flush."""
    return RunLock(office.settings.data_dir / "tick.lock")


def sync_job(office: "Office", now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Flush the intake queue and sync the register (messages included)."""
    report = office.sync(now, max_sends=max_sends)
    return report.ok, report.summary()


def digest_job(office: "Office", now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """The morning digest to every number in PONDOK_STAFF_WA."""
    from .messengers import MessengerError

    text = compose_digest(office.state.public_statuses(), office.services(active_only=False), now.date(),
                          office.settings.village)
    sent = 0
    for phone in office.settings.staff_wa:
        try:
            office.messenger.send(Notice(to=phone, text=text, kind="ringkasan"), now)
            sent += 1
        except MessengerError as error:
            log.warning("digest to %s not sent: %s", phone.masked, error.reason)
    return sent == len(office.settings.staff_wa), f"dikirim ke {sent} dari {len(office.settings.staff_wa)} petugas"


def sync_is_due(office: "Office", now: datetime, last: datetime | None) -> bool:
    """Every PONDOK_SYNC_MINUTES, and at once when submissions wait in the queue."""
    interval = timedelta(minutes=office.settings.sync_minutes) - SYNC_SLACK
    return last is None or now - last >= interval or bool(office.state.pending(limit=1))


def digest_is_due(office: "Office", now: datetime, last: datetime | None) -> bool:
    """Once a day, at the first tick at or after PONDOK_DIGEST_AT (one digest after any downtime)."""
    if not office.settings.staff_wa or now.time() < office.settings.digest_at:
        return False
    return last is None or last.date() < now.date()


def form_job(office: "Office", now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Look for a linked Google Form's responses tab (once a day: a form may be linked any time)."""
    from .form_import import find_form_tab

    found = find_form_tab(office)
    return True, f"tab jawaban: {found}" if found else "tidak ada Google Form tertaut"


def form_is_due(office: "Office", now: datetime, last: datetime | None) -> bool:
    """Daily, only for a Google Sheet whose responses tab is not named in PONDOK_FORM_TAB."""
    if not office.settings.uses_google or office.settings.form_tab:
        return False
    return last is None or last.date() < now.date()


def log_job(office: "Office", now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Log hygiene: numbers masked, old rows archived (PONDOK_LOG_KEEP_DAYS)."""
    from .log_hygiene import tidy_log

    return True, tidy_log(office, now)


def daily(office: "Office", now: datetime, last: datetime | None) -> bool:
    """Once a day, at the first tick of the day."""
    return last is None or last.date() < now.date()


@dataclass(frozen=True)
class Job:
    """A named job and when it is due."""

    name: str
    is_due: Callable[["Office", datetime, datetime | None], bool]
    run: Callable[["Office", datetime, int], tuple[bool, str]]


JOBS = (Job("google form", form_is_due, form_job), Job("sinkron", sync_is_due, sync_job),
        Job("ringkasan pagi", digest_is_due, digest_job), Job("kebersihan log", daily, log_job))


def flush_now(office: "Office", now: datetime) -> str | None:
    """A sync right now (after submissions), under the run lock; None if another run holds it."""
    lock = run_lock(office)
    if not lock.acquire():
        return None
    try:
        ok, text = sync_job(office, now)
        office.state.record_run("sinkron", "nyata", now)
        return text
    finally:
        lock.release()


def run_due(office: "Office", now: datetime, simulated: bool = False, max_sends: int = 500) -> TickResult:
    """Run every due job once, under the run lock.

    `simulated` (tick --at) keeps its own record of job runs, so a dry run at another time
    never makes real time skip a digest.
    """
    result = TickResult()
    lock = run_lock(office)
    if not lock.acquire():
        result.locked = True
        return result
    try:
        clock = "simulasi" if simulated else "nyata"
        for job in JOBS:
            last = office.state.last_run(job.name, clock)
            if not job.is_due(office, now, last):
                result.skipped.append(job.name)
                continue
            try:
                ok, text = job.run(office, now, max_sends)
            except (StoreError, MissingHeader) as error:  # the register said no: the other jobs still run
                ok, text = False, str(error)
            office.state.record_run(job.name, clock, now)
            result.ran[job.name] = text
            result.ok = result.ok and ok
    finally:
        lock.release()
    return result
