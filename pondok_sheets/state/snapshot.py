"""What the last sync saw, for pages that must not ask Google: public statuses, their history, the catalogue."""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from ..register.catalog import DEFAULT_SERVICES, service_from_dict
from ..register.model import PublicStatus, Service
from ..register.validation import mask_name, unneutralize
from .db import Database, forget_absent, rows_of


class Snapshot:
    """Public statuses of every ticket and when each status was first seen."""

    def __init__(self, db: Database):
        self.db = db

    def forget_absent(self, present: Collection[str]) -> None:
        """Drop the tickets no longer `present` in the register; call it once this sync's statuses are saved.

        Every present ticket then has its row here (the rows a sync skips kept theirs: a row mark never
        outlives its snapshot row), so when the table holds exactly as many tickets as the register,
        none is absent, and the 50,000 kept tickets are not walked."""
        with self.db.connect() as db:
            if db.execute("SELECT count(*) FROM snapshot").fetchone()[0] != len(present):
                forget_absent(db, "snapshot", present)

    def save(self, changed: Iterable[PublicStatus], now: str) -> None:
        """Write the public statuses that changed (the others stand as they are), and note each status the
        first time a sync sees it."""
        statuses = list(changed)
        latest = self.status_since([s.ticket for s in statuses])  # before this sync notes any
        with self.db.connect() as db:
            db.executemany("INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?, ?, ?, ?)",
                           [(s.ticket, s.service, s.status, s.received, s.updated, s.name) for s in statuses])
            db.executemany("INSERT OR IGNORE INTO history VALUES (?, ?, ?)",
                           [(s.ticket, s.status, now) for s in statuses
                            if s.status and latest.get(s.ticket, ("", ""))[0] != s.status])

    def public_status(self, ticket: str) -> PublicStatus | None:
        """The ticket's public status from the snapshot, or from the queue before it is flushed."""
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM snapshot WHERE ticket = ?", (ticket,)).fetchone()
            if row:
                return PublicStatus(*row)
            # Only a submission still waiting: once flushed, the register (via the snapshot) is the truth,
            # so a row staff deleted stops being shown.
            row = db.execute("SELECT ticket, service, created_at, payload FROM queue WHERE ticket = ? "
                             "AND flushed_at IS NULL", (ticket,)).fetchone()
        if row is None:
            return None
        name = mask_name(unneutralize(json.loads(row[3] or "{}").get("Nama", "")))
        return PublicStatus(row[0], row[1], "Baru", row[2], row[2], name)

    def public_statuses(self) -> list[PublicStatus]:
        """Every ticket of the last sync, for the statistics page and the digest."""
        with self.db.connect() as db:
            return [PublicStatus(*r) for r in db.execute("SELECT * FROM snapshot")]

    def first_seen(self, statuses: Iterable[str]) -> dict[str, str]:
        """Ticket -> when the sync first saw it in any of `statuses` (e.g. when it was finished)."""
        wanted = list(statuses)
        marks = ", ".join("?" for _ in wanted)
        with self.db.connect() as db:
            return dict(db.execute(f"SELECT ticket, min(at) FROM history WHERE status IN ({marks}) GROUP BY ticket",
                                   wanted).fetchall())

    def status_since(self, tickets: Collection[str]) -> dict[str, tuple[str, str]]:
        """Ticket -> (its latest status, when the sync first saw it), for the settle delay; of `tickets` only
        (a sync asks for the few rows it must decide on, not the whole history)."""
        with self.db.connect() as db:
            rows = sorted(rows_of(db, "SELECT ticket, status, at, rowid FROM history", "ticket", tickets, 0),
                          key=lambda row: (row[2], row[3]))
        return {ticket: (status, at) for ticket, status, at, _ in rows}  # later rows overwrite earlier ones

    def timeline(self, ticket: str) -> list[tuple[str, str]]:
        """(status, first seen) for each status the ticket has had, oldest first."""
        with self.db.connect() as db:
            return db.execute("SELECT status, at FROM history WHERE ticket = ? ORDER BY at, rowid",
                              (ticket,)).fetchall()


class Meta:
    """Values kept from one sync for the next, and for pages: the catalogue, the wording, the sync time."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, key: str, default: Any = None) -> Any:
        """A value kept earlier, or `default`."""
        with self.db.connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, key: str, value: Any) -> None:
        """Keep a value for later syncs and pages."""
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def services(self, active_only: bool = True) -> list[Service]:
        """The catalogue as of the last sync (the built-in one before any)."""
        rows = self.get("services")
        services = [service_from_dict(r) for r in rows] if rows else list(DEFAULT_SERVICES)
        return [s for s in services if s.active or not active_only]


class JobClock:
    """When each job last ran, on the real clock ('nyata') or a simulated one ('simulasi')."""

    def __init__(self, db: Database):
        self.db = db

    def last_run(self, job: str, clock: str) -> datetime | None:
        """When `job` last ran on this clock, or None."""
        with self.db.connect() as db:
            row = db.execute("SELECT at FROM job_runs WHERE name = ? AND clock = ?", (job, clock)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def record_run(self, job: str, clock: str, at: datetime) -> None:
        """Remember that `job` ran at `at`."""
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO job_runs VALUES (?, ?, ?)", (job, clock, at.isoformat()))
