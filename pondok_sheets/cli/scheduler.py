"""`serve`'s clock: APScheduler runs the due jobs every minute, and a flush soon after submissions.

Only wiring: the work is `flow.jobs.run_due`, the same as cron's `tick`, under the same lock.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.background import BackgroundScheduler

from ..flow.jobs import flush_now, run_due
from ..office import Office

log = logging.getLogger(__name__)
COALESCE_SECONDS = 3  # submissions arriving together go to the register in one append


def start_scheduler(office: Office) -> BackgroundScheduler:
    """Start the background scheduler in PONDOK_TIMEZONE; a submission schedules a prompt flush."""
    scheduler = BackgroundScheduler(timezone=office.settings.timezone)

    def tick() -> None:
        result = run_due(office, office.now())
        for line in result.lines():
            log.info("tick: %s", line)

    def flush() -> None:
        summary = flush_now(office, office.now())
        if summary is None:  # a tick holds the lock; come back right after it
            soon()
        else:
            log.info("flush: %s", summary)

    def soon() -> None:
        # The first submission of a burst schedules the flush; the rest join it.
        if scheduler.get_job("flush") is None:
            try:
                scheduler.add_job(flush, "date", id="flush", misfire_grace_time=60,
                                  run_date=datetime.now(office.settings.timezone) + timedelta(seconds=COALESCE_SECONDS))
            except ConflictingIdError:  # a submission on another thread scheduled it just now: join that one
                pass

    scheduler.add_job(tick, "interval", minutes=1, id="tick", next_run_time=datetime.now(office.settings.timezone),
                      max_instances=1, coalesce=True, misfire_grace_time=120)
    office.wakeup.subscribe(soon)
    scheduler.start()
    return scheduler
