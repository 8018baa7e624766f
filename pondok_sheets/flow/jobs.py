"""The jobs, and `tick`: run every job that is due, once, and return what ran.

Jobs are plain functions of (office, now). `run_due` is what cron's `tick`, the
`/tasks/tick` endpoint and `serve`'s scheduler all call; it holds the run lock, so
overlapping runs never both do the work, and it remembers when each job last ran so a
late or repeated tick catches up exactly once.

Every run has a deadline (PONDOK_RUN_SECONDS): the Sheets and Graph calls inside it end by then,
a job not started by then waits for the next run, and nothing queued is lost.

The due checks need only settings and local state: the modules a job needs are imported when
it runs, so a cron `tick` with nothing due stays small (see `cli/tick.py`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from ..errors import MessengerError, MissingHeader, StoreError

if TYPE_CHECKING:
    from ..office import Office

log = logging.getLogger(__name__)
SYNC_SLACK = timedelta(seconds=20)  # a cron "every 2 minutes" may fire a little early


@dataclass
class TickResult:
    """What one tick did."""

    ran: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # due, but the run's deadline came first
    seconds: int = 0  # the run's deadline
    timed_out: bool = False
    locked: bool = False
    ok: bool = True
    halted: list[str] = field(default_factory=list)  # not started: the process was asked to stop

    def as_json(self) -> dict[str, object]:
        """The summary `/tasks/tick` answers."""
        return {"ok": self.ok, "terkunci": self.locked, "dijalankan": self.ran, "belum_waktunya": self.skipped,
                "batas_waktu_habis": self.timed_out, "menunggu_tick_berikutnya": self.late}

    def lines(self) -> list[str]:
        """The summary `tick` prints, one line per job."""
        if self.locked:
            return ["Tick lain sedang berjalan; tidak ada yang dikerjakan."]
        lines = [f"{name}: {text}" for name, text in self.ran.items()] + \
                [f"{name}: belum waktunya" for name in self.skipped] + \
                [f"{name}: tidak dijalankan, layanan diminta berhenti" for name in self.halted]
        if self.timed_out:
            lines.append(deadline_line(self.seconds, self.late))
        return lines


def deadline_line(seconds: int, late: list[str]) -> str:
    """What staff read when a run met its deadline: nothing is lost, the next run goes on."""
    waiting = f" {', '.join(late)} dijalankan pada tick berikutnya;" if late else ""
    return (f"Batas waktu {seconds} detik (PONDOK_RUN_SECONDS) habis karena Google atau WhatsApp lambat menjawab;"
            f"{waiting} pekerjaan yang belum selesai tetap antre, tidak ada yang hilang.")


@contextmanager
def run_lock(office: Office, wait: float = 0) -> Iterator[bool]:
    """The one lock every run takes (cron's tick, /tasks/tick, serve's jobs, a flush); yields False when
    another run holds it. The operating system frees it when its holder dies, so a killed tick never
    blocks the next one (on Windows too, the laptops many offices use)."""
    office.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(office.settings.data_dir / "tick.lock", thread_local=False)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def sync_job(office: Office, now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Flush the intake queue and sync the register (messages included)."""
    from .sync import sync  # not at the top: a cron `tick` with nothing due never loads the sync

    report = sync(office, now, max_sends=max_sends)
    return report.ok, report.summary()


def digest_job(office: Office, now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """The morning digest to every number in PONDOK_STAFF_WA (as PONDOK_WA_DIGEST_TEMPLATE outside their window)."""
    from ..register.digest import compose_digest, digest_params
    from ..register.messages import Notice
    from ..whatsapp.alerts import current as current_alerts

    rows, services = office.state.snapshot.public_statuses(), office.state.meta.services(active_only=False)
    alerts = [text for _, text in current_alerts(office.state.notes, now)]
    text = compose_digest(rows, services, now.date(), office.settings.village, alerts)
    params = digest_params(rows, services, now.date(), office.settings.village, alerts)
    sent = 0
    for phone in office.settings.staff_wa:
        try:
            office.messenger.send(Notice(to=phone, text=text, kind="ringkasan", params=params), now)
            sent += 1
        except MessengerError as error:
            log.warning("digest to %s not sent: %s", phone.masked, error.reason)
    return sent == len(office.settings.staff_wa), f"dikirim ke {sent} dari {len(office.settings.staff_wa)} petugas"


def sync_is_due(office: Office, now: datetime, last: datetime | None) -> bool:
    """Every PONDOK_SYNC_MINUTES, and at once when submissions wait in the queue."""
    interval = timedelta(minutes=office.settings.sync_minutes) - SYNC_SLACK
    return last is None or now - last >= interval or office.state.queue.has_pending()


def digest_is_due(office: Office, now: datetime, last: datetime | None) -> bool:
    """Once a day, at the first tick at or after PONDOK_DIGEST_AT (one digest after any downtime)."""
    if not office.settings.staff_wa or now.time() < office.settings.digest_at:
        return False
    return last is None or last.date() < now.date()


def form_job(office: Office, now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Look for a linked Google Form's responses tab (once a day: a form may be linked any time)."""
    from .form_import import find_form_tab

    found = find_form_tab(office)
    return True, f"tab jawaban: {found}" if found else "tidak ada Google Form tertaut"


def form_is_due(office: Office, now: datetime, last: datetime | None) -> bool:
    """Daily, only for a Google Sheet whose responses tab is not named in PONDOK_FORM_TAB."""
    if not office.settings.uses_google or office.settings.form_tab:
        return False
    return last is None or last.date() < now.date()


def log_job(office: Office, now: datetime, max_sends: int = 500) -> tuple[bool, str]:
    """Log hygiene: numbers masked, old rows archived (PONDOK_LOG_KEEP_DAYS)."""
    from .log_hygiene import tidy_log

    return True, tidy_log(office, now)


def daily(office: Office, now: datetime, last: datetime | None) -> bool:
    """Once a day, at the first tick of the day."""
    return last is None or last.date() < now.date()


@dataclass(frozen=True)
class Job:
    """A named job and when it is due."""

    name: str
    is_due: Callable[[Office, datetime, datetime | None], bool]
    run: Callable[[Office, datetime, int], tuple[bool, str]]


JOBS = (Job("google form", form_is_due, form_job), Job("sinkron", sync_is_due, sync_job),
        Job("ringkasan pagi", digest_is_due, digest_job), Job("kebersihan log", daily, log_job))


MAX_FLUSHES = 3  # one flush and at most two more for what arrived meanwhile


def flush_now(office: Office, now: datetime, seconds: float | None = None) -> str | None:
    """A sync right now (after submissions), under the run lock and within the run's deadline
    (PONDOK_RUN_SECONDS unless `seconds` says less); None if another run holds the lock.

    A submission whose own flush found the lock held leaves its work to the holder. So once the lock
    is released, a flush that went well looks again: what was queued meanwhile is synced by one more
    flush (taking the lock again), not left for the next tick.
    """
    from ..retrying import run_deadline  # tenacity only once a run starts: an idle tick stays small

    if office.stopping.is_requested():
        return "tidak dijalankan, layanan diminta berhenti"

    limit = office.settings.run_seconds if seconds is None else min(seconds, office.settings.run_seconds)
    texts: list[str] = []
    ok = True
    with run_deadline(limit) as deadline:
        for _ in range(MAX_FLUSHES):
            with run_lock(office) as held:
                if not held:
                    break
                ok, text = sync_job(office, now)
                office.state.jobs.record_run("sinkron", "nyata", now)
                texts.append(text)
            if not ok or deadline.passed or office.stopping.is_requested() or not office.state.queue.has_pending():
                break
            now = office.now()
    if deadline.passed and not ok:
        log.warning("flush stopped at its %s s deadline (PONDOK_RUN_SECONDS); queued work stays queued for the "
                    "next run", int(limit))
        texts.append(deadline_line(int(limit), []))
    return " | ".join(texts) if texts else None


def due_jobs(office: Office, now: datetime, simulated: bool = False) -> list[str]:
    """Names of the jobs due now, from settings and local state only (no lock, no Google request)."""
    clock = "simulasi" if simulated else "nyata"
    return [job.name for job in JOBS if job.is_due(office, now, office.state.jobs.last_run(job.name, clock))]


def run_due(office: Office, now: datetime, simulated: bool = False, max_sends: int = 500) -> TickResult:
    """Run every due job once, under the run lock.

    `simulated` (tick --at) keeps its own record of job runs, so a dry run at another time
    never makes real time skip a digest.
    """
    from ..retrying import run_deadline  # tenacity only once a run starts: an idle tick stays small

    result = TickResult(seconds=office.settings.run_seconds)
    with run_lock(office) as held, run_deadline(result.seconds) as deadline:
        if not held:
            result.locked = True
            return result
        clock = "simulasi" if simulated else "nyata"
        for job in JOBS:
            if office.stopping.is_requested():
                result.halted.append(job.name)
                continue
            last = office.state.jobs.last_run(job.name, clock)
            if not job.is_due(office, now, last):
                result.skipped.append(job.name)
                continue
            if deadline.passed:  # not recorded as run: it is still due at the next tick
                result.late.append(job.name)
                continue
            try:
                ok, text = job.run(office, now, max_sends)
            except (StoreError, MissingHeader) as error:  # the register said no: the other jobs still run
                ok, text = False, str(error)
            office.state.jobs.record_run(job.name, clock, now)
            result.ran[job.name] = text
            result.ok = result.ok and ok
        # Met only when it cost something: a job left for later, or one that failed on the way.
        result.timed_out = deadline.passed and (bool(result.late) or not result.ok)
    if result.timed_out:
        result.ok = False
        log.warning("run stopped at its %d s deadline (PONDOK_RUN_SECONDS); not started: %s; queued work stays "
                    "queued for the next run", result.seconds, ", ".join(result.late) or "nothing")
    return result
