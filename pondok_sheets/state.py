"""Local state beside the register: a buffer and a cache, never the source of truth.

It holds the intake queue, the ledger of messages sent, tickets given to walk-in rows,
the snapshot public pages read, the console outbox and Log rows waiting to be written.
Losing it (a free host's redeploy) loses at most submissions not yet flushed.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .register.validation import mask_name, unneutralize

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    ticket TEXT PRIMARY KEY, service TEXT NOT NULL, payload TEXT,
    created_at TEXT NOT NULL, flushed_at TEXT);
CREATE TABLE IF NOT EXISTS ledger (
    ticket TEXT NOT NULL, status TEXT NOT NULL, basis TEXT NOT NULL,
    result TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (ticket, status, basis));
CREATE TABLE IF NOT EXISTS walkins (fingerprint TEXT PRIMARY KEY, ticket TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (
    ticket TEXT PRIMARY KEY, service TEXT, status TEXT, received TEXT, updated TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS history (
    ticket TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (ticket, status, at));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, kepada TEXT NOT NULL, kind TEXT NOT NULL,
    ticket TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_log (id INTEGER PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_runs (name TEXT NOT NULL, clock TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (name, clock));
"""


@dataclass(frozen=True)
class QueuedRequest:
    """A submission waiting to be appended to the register."""

    ticket: str
    service: str
    row: dict[str, str]
    created_at: str


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may see about a ticket: the name masked (B*** S*******), no NIK, no number."""

    ticket: str
    service: str
    status: str
    received: str
    updated: str
    name: str = ""


class State:
    """The local SQLite state file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on error."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")  # dropped NIKs and numbers are overwritten, not just unlinked
            with db:
                yield db

    # -- intake queue ------------------------------------------------------------------

    def enqueue(self, ticket: str, service: str, row: Mapping[str, str], now: str) -> None:
        """Keep a submission durably until it is in the register."""
        with self.connect() as db:
            db.execute("INSERT INTO queue (ticket, service, payload, created_at) VALUES (?, ?, ?, ?)",
                       (ticket, service, json.dumps(dict(row)), now))

    def pending(self, limit: int = 500) -> list[QueuedRequest]:
        """Submissions not yet in the register, oldest first."""
        with self.connect() as db:
            rows = db.execute("SELECT ticket, service, payload, created_at FROM queue "
                              "WHERE flushed_at IS NULL ORDER BY created_at, rowid LIMIT ?", (limit,))
            return [QueuedRequest(t, s, json.loads(p), c) for t, s, p, c in rows]

    def mark_flushed(self, tickets: Iterable[str], now: str) -> None:
        """Record that these tickets are in the register; their personal data is dropped here."""
        with self.connect() as db:
            db.executemany("UPDATE queue SET flushed_at = ?, payload = NULL WHERE ticket = ?",
                           [(now, t) for t in tickets])

    def queued(self, ticket: str) -> QueuedRequest | None:
        """The queue entry for `ticket`, flushed or not (personal data only while pending)."""
        with self.connect() as db:
            row = db.execute("SELECT ticket, service, payload, created_at FROM queue WHERE ticket = ?",
                             (ticket,)).fetchone()
        return QueuedRequest(row[0], row[1], json.loads(row[2] or "{}"), row[3]) if row else None

    def is_known_ticket(self, ticket: str) -> bool:
        """True if this service has issued or seen `ticket`, so a new one never repeats it."""
        with self.connect() as db:
            row = db.execute("SELECT 1 FROM queue WHERE ticket = ?1 UNION SELECT 1 FROM snapshot "
                             "WHERE ticket = ?1 UNION SELECT 1 FROM walkins WHERE ticket = ?1",
                             (ticket,)).fetchone()
        return row is not None

    # -- message ledger ----------------------------------------------------------------

    def was_sent(self, ticket: str, status: str, basis: str) -> str | None:
        """What came of telling `ticket` about `status` since the Notifikasi cell read `basis`."""
        with self.connect() as db:
            row = db.execute("SELECT result FROM ledger WHERE ticket = ? AND status = ? AND basis = ?",
                             (ticket, status, basis)).fetchone()
        return row[0] if row else None

    def record_sent(self, ticket: str, status: str, basis: str, result: str, now: str) -> None:
        """Remember a message went out, so a failed Notifikasi write never causes a second one."""
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO ledger VALUES (?, ?, ?, ?, ?)",
                       (ticket, status, basis, result, now))

    # -- walk-in rows ------------------------------------------------------------------

    def walkin_ticket(self, fingerprint: str, new: str) -> str:
        """The ticket given to the walk-in row with this fingerprint, assigning `new` the first time."""
        with self.connect() as db:
            db.execute("INSERT OR IGNORE INTO walkins VALUES (?, ?)", (fingerprint, new))
            return db.execute("SELECT ticket FROM walkins WHERE fingerprint = ?", (fingerprint,)).fetchone()[0]

    # -- snapshot for public pages -----------------------------------------------------

    def save_snapshot(self, statuses: Iterable[PublicStatus], meta: Mapping[str, Any], now: str,
                      since: Mapping[str, tuple[str, str]] | None = None) -> None:
        """Replace the snapshot with what the last sync read; note each status first seen.

        `since` is `status_since()` if the caller already read it this cycle."""
        statuses = list(statuses)
        with self.connect() as db:
            db.execute("DELETE FROM snapshot")
            db.executemany("INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?, ?, ?, ?)",
                           [(s.ticket, s.service, s.status, s.received, s.updated, s.name) for s in statuses])
            latest = self._latest_history(db) if since is None else since
            last = {t: status for t, (status, _) in latest.items()}
            db.executemany("INSERT OR IGNORE INTO history VALUES (?, ?, ?)",
                           [(s.ticket, s.status, now) for s in statuses if s.status and last.get(s.ticket) != s.status])
            for key, value in meta.items():
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def public_status(self, ticket: str) -> PublicStatus | None:
        """The ticket's public status from the snapshot, or from the queue before it is flushed."""
        with self.connect() as db:
            row = db.execute("SELECT * FROM snapshot WHERE ticket = ?", (ticket,)).fetchone()
            if row:
                return PublicStatus(*row)
            row = db.execute("SELECT ticket, service, created_at, payload FROM queue WHERE ticket = ?",
                             (ticket,)).fetchone()
        if row is None:
            return None
        name = mask_name(unneutralize(json.loads(row[3] or "{}").get("Nama", "")))
        return PublicStatus(row[0], row[1], "Baru", row[2], row[2], name)

    def public_statuses(self) -> list[PublicStatus]:
        """Every ticket of the last sync, for the statistics page."""
        with self.connect() as db:
            return [PublicStatus(*r) for r in db.execute("SELECT * FROM snapshot")]

    def first_seen(self, statuses: Iterable[str]) -> dict[str, str]:
        """Ticket -> when the sync first saw it in any of `statuses` (e.g. when it was finished)."""
        wanted = list(statuses)
        marks = ", ".join("?" for _ in wanted)
        with self.connect() as db:
            return dict(db.execute(f"SELECT ticket, min(at) FROM history WHERE status IN ({marks}) GROUP BY ticket",
                                   wanted).fetchall())

    def status_since(self) -> dict[str, tuple[str, str]]:
        """Ticket -> (its latest status, when the sync first saw it), for the settle delay."""
        with self.connect() as db:
            return self._latest_history(db)

    @staticmethod
    def _latest_history(db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
        latest: dict[str, tuple[str, str]] = {}
        for ticket, status, at in db.execute("SELECT ticket, status, at FROM history ORDER BY at, rowid"):
            latest[ticket] = (status, at)  # later rows overwrite earlier ones
        return latest

    def timeline(self, ticket: str) -> list[tuple[str, str]]:
        """(status, first seen) for each status the ticket has had, oldest first."""
        with self.connect() as db:
            return db.execute("SELECT status, at FROM history WHERE ticket = ? ORDER BY at, rowid",
                              (ticket,)).fetchall()

    def meta(self, key: str, default: Any = None) -> Any:
        """A value kept from the last sync (services, wording, sync time)."""
        with self.connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        """Keep a value for later syncs and pages."""
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # -- job bookkeeping ---------------------------------------------------------------

    def last_run(self, job: str, clock: str) -> datetime | None:
        """When `job` last ran on this clock ('nyata' or 'simulasi'), or None."""
        with self.connect() as db:
            row = db.execute("SELECT at FROM job_runs WHERE name = ? AND clock = ?", (job, clock)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def record_run(self, job: str, clock: str, at: datetime) -> None:
        """Remember that `job` ran at `at`."""
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO job_runs VALUES (?, ?, ?)", (job, clock, at.isoformat()))

    # -- console outbox and Log rows waiting for the register --------------------------

    def add_outbox(self, at: str, kepada: str, kind: str, ticket: str, text: str) -> None:
        """Keep a message the console messenger 'sent' (number already masked)."""
        with self.connect() as db:
            db.execute("INSERT INTO outbox (at, kepada, kind, ticket, text) VALUES (?, ?, ?, ?, ?)",
                       (at, kepada, kind, ticket, text))

    def outbox(self, limit: int = 50) -> list[tuple[str, str, str, str, str]]:
        """The newest console messages: (at, masked number, kind, ticket, text), oldest first."""
        with self.connect() as db:
            rows = db.execute("SELECT at, kepada, kind, ticket, text FROM outbox ORDER BY id DESC LIMIT ?",
                              (limit,)).fetchall()
        return rows[::-1]

    def queue_log(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Log rows to write to the register's Log tab."""
        with self.connect() as db:
            db.executemany("INSERT INTO pending_log (row) VALUES (?)", [(json.dumps(dict(r)),) for r in rows])

    def pending_log(self) -> list[tuple[int, dict[str, str]]]:
        """Log rows not yet written, oldest first."""
        with self.connect() as db:
            return [(i, json.loads(r)) for i, r in db.execute("SELECT id, row FROM pending_log ORDER BY id")]

    def amend_pending_log(self, message_id: str, header: str, value: str) -> bool:
        """Change a Log row still waiting to be written (by its ID Pesan); False if none waits."""
        with self.connect() as db:
            for row_id, text in db.execute("SELECT id, row FROM pending_log ORDER BY id").fetchall():
                row = json.loads(text)
                if row.get("ID Pesan") == message_id:
                    row[header] = value
                    db.execute("UPDATE pending_log SET row = ? WHERE id = ?", (json.dumps(row), row_id))
                    return True
        return False

    def drop_log(self, ids: Iterable[int]) -> None:
        """Forget Log rows now in the register."""
        with self.connect() as db:
            db.executemany("DELETE FROM pending_log WHERE id = ?", [(i,) for i in ids])
