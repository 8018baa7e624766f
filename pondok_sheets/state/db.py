"""The local SQLite file: one schema with a version number (PRAGMA user_version) and ordered migrations.

Release 1 wrote its tables with `CREATE TABLE IF NOT EXISTS` and no version (user_version 0).
Migration 1 is exactly that schema, so opening a release-1 file adopts it in place and keeps
every row; each later migration runs once, in order, inside one transaction with the
version bump, so a crash mid-upgrade leaves the file at the old version, never half-done.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..errors import NewerStateError

RELEASE_1 = """
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
CREATE TABLE IF NOT EXISTS wa_window (phone_hash TEXT PRIMARY KEY, last_inbound TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wa_inbox (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL,
    processed_at TEXT);
CREATE TABLE IF NOT EXISTS wa_chats (phone TEXT PRIMARY KEY, step TEXT NOT NULL, data TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wa_sent (
    message_id TEXT PRIMARY KEY, ticket TEXT NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL,
    phone TEXT NOT NULL, text TEXT NOT NULL, params TEXT NOT NULL, via TEXT NOT NULL, at TEXT NOT NULL,
    delivery TEXT NOT NULL DEFAULT '', delivery_rank INTEGER NOT NULL DEFAULT 0,
    delivery_dirty INTEGER NOT NULL DEFAULT 0, resend_due INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS wa_refs (ref TEXT PRIMARY KEY, message_id TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wa_contacts (ticket TEXT PRIMARY KEY, phone_hash TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links_queue (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, ticket TEXT NOT NULL, status TEXT NOT NULL,
    kepada TEXT NOT NULL, text TEXT NOT NULL, link TEXT NOT NULL, in_sheet INTEGER NOT NULL DEFAULT 0,
    ticked_at TEXT);
"""

# Version N is reached by running MIGRATIONS[N - 1]. Append; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    RELEASE_1,
    # 2: a cheap fingerprint of each contact's cells as typed, so a sync re-parses only numbers that changed.
    "ALTER TABLE wa_contacts ADD COLUMN typed TEXT NOT NULL DEFAULT ''",
    # 3: the register rows that time alone can make due (a settle delay, quiet hours, a reminder), as the
    # last read left them, so a sync told by Drive that nothing changed does its timed work without a read.
    """CREATE TABLE register_copy (ticket TEXT PRIMARY KEY, row INTEGER NOT NULL, cells TEXT NOT NULL);
       CREATE TABLE register_tabs (tab TEXT PRIMARY KEY, headers TEXT NOT NULL)""",
    # 4 (issue 12): the inbox's claims become leases; an event is handled only once its effects are stored.
    # wa_decisions: what a message changed (the conversation before it, the ticket it filed);
    # wa_replies: each reply planned for an event, sent at most once; wa_notes: small WhatsApp books.
    """
ALTER TABLE wa_inbox ADD COLUMN claimed_until TEXT;
ALTER TABLE wa_inbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE wa_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE wa_inbox ADD COLUMN handled_at TEXT;
UPDATE wa_inbox SET handled_at = processed_at WHERE processed_at IS NOT NULL;
CREATE TABLE wa_decisions (event_id TEXT PRIMARY KEY, address TEXT NOT NULL, step TEXT NOT NULL,
    data TEXT NOT NULL, ticket TEXT NOT NULL DEFAULT '', decided INTEGER NOT NULL DEFAULT 0, at TEXT NOT NULL);
CREATE INDEX wa_decisions_address ON wa_decisions (address);
CREATE TABLE wa_replies (event_id TEXT NOT NULL, seq INTEGER NOT NULL, address TEXT NOT NULL, text TEXT NOT NULL,
    choices TEXT NOT NULL, state TEXT NOT NULL, ref TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL, PRIMARY KEY (event_id, seq));
CREATE INDEX wa_replies_ref ON wa_replies (ref);
CREATE TABLE wa_notes (book TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (book, key))
""",
    # 5: the residents' voice (issue 15): survey answers and complaints waiting for their tab, the keys
    # each tab held at the last sync, complaints' public faces, and when each was first seen answered.
    """
    CREATE TABLE voice_queue (tab TEXT NOT NULL, key TEXT NOT NULL, row TEXT, created_at TEXT NOT NULL,
        flushed_at TEXT, PRIMARY KEY (tab, key));
    CREATE TABLE voice_seen (tab TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (tab, key));
    CREATE TABLE complaints_public (ticket TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE complaint_answers (ticket TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (ticket, status))
    """,
    # 6: letters given (issue 14), for /verifikasi without Google and so no number is given twice.
    """CREATE TABLE IF NOT EXISTS letters (
        code TEXT PRIMARY KEY, ticket TEXT NOT NULL, number TEXT NOT NULL, service TEXT NOT NULL,
        issued TEXT NOT NULL, name TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)""",
    # 7 (issue 13): never twice across a stop or a crash. wa_sent.ref: the announcement a message Meta
    # accepted carries, so an intent left without its outcome is settled by our own record of the wamid;
    # pending_log.tried: a Log row whose append was attempted, so a later append first checks the tab.
    """
    ALTER TABLE wa_sent ADD COLUMN ref TEXT NOT NULL DEFAULT '';
    CREATE INDEX wa_sent_ref ON wa_sent (ref);
    ALTER TABLE pending_log ADD COLUMN tried INTEGER NOT NULL DEFAULT 0
    """,
    # 8 (issue 16): a fingerprint of every register row as the last sync saw it, so a sync derives the
    # public snapshot, the contacts and the letters index again only for the rows that changed.
    "CREATE TABLE row_marks (ticket TEXT PRIMARY KEY, mark INTEGER NOT NULL)",
    # 9 (issue 16): letters found by ticket, so a sync looks up the few rows it derives again, a few hundred
    # per statement, instead of walking every letter ever given.
    "CREATE INDEX letters_ticket ON letters (ticket)",
    # 10 (issue 16): the kept fingerprints as one blob of 64-bit numbers, not a row per ticket: a sync loads
    # 50,000 of them in ~4 ms instead of ~40. Dropping the old rows only costs one sync that derives every row.
    """
    DROP TABLE row_marks;
    CREATE TABLE row_marks (id INTEGER PRIMARY KEY CHECK (id = 1), marks BLOB NOT NULL)
    """,
    # 11 (issue 16): the row fingerprints remembered by block of 100 rows, with one digest per block, so a
    # sync hashes 500 blocks instead of 50,000 rows. Only a memo: losing it costs one sync the row-by-row work.
    "CREATE TABLE row_blocks (id INTEGER PRIMARY KEY CHECK (id = 1), digests BLOB NOT NULL, marks BLOB NOT NULL)",
)


def use_wal(db: sqlite3.Connection, seconds: float) -> None:
    """Put the file in WAL mode. On a new file, while another process is writing to it (two workers
    starting at once on a fresh data folder), SQLite refuses the switch at once instead of waiting
    for the lock as other statements do: try again until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


IN_CHUNK = 500  # values per `IN (…)` in one statement, well under SQLite's limit of bound values
WHOLE_TABLE_FROM = 5000  # values above which one pass over the table beats the look-ups
LOOKUP_CHUNK = WHOLE_TABLE_FROM  # records a caller writes per step: their look-ups go by index, and a read
#                                 that derives 50,000 rows never holds 50,000 of each at once


def rows_of(db: sqlite3.Connection, select: str, column: str, values: Collection[str],
            key_at: int) -> Iterator[tuple[Any, ...]]:
    """The rows of `select` whose `column` (item `key_at` of each row) is one of `values`: a few hundred
    values per statement, so a sync that asks about ten tickets never loads a table of 50,000 into memory;
    for many values, one pass over the table instead."""
    if len(values) > WHOLE_TABLE_FROM:
        keep = values if isinstance(values, (set, frozenset, Mapping)) else set(values)  # no copy of 50,000 keys
        yield from (row for row in db.execute(select) if row[key_at] in keep)
        return
    wanted = list(values)
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start:start + IN_CHUNK]
        yield from db.execute(f"{select} WHERE {column} IN ({', '.join('?' for _ in chunk)})", chunk)


def forget_absent(db: sqlite3.Connection, table: str, present: Collection[str]) -> None:
    """Delete the rows of `table` (keyed by `ticket`) whose ticket is no longer in the register."""
    gone = [(t,) for (t,) in db.execute(f"SELECT ticket FROM {table}") if t not in present]
    db.executemany(f"DELETE FROM {table} WHERE ticket = ?", gone)


BUSY_MS = 30_000  # how long a connection waits for another's write lock


class Database:
    """The state file: opened once, upgraded to the newest schema, then handed out as connections.

    Each thread keeps one connection to the file and reuses it: a new connection costs ~1 ms of
    CPU (SQLite parses the whole schema at its first statement), and a ticket page asks three
    times. A connection opened in another process (before a fork) or to a file that has since
    been replaced or deleted is not reused: the next `connect()` opens the file anew.

    A kept connection also keeps the write-ahead log (`-wal`) from being folded in and deleted
    when it closes, and the log holds old copies of pages, NIKs included. So whatever wrote
    (an outermost `connect()`, or a whole `session()`) ends with a checkpoint that truncates the
    log, as closing the last connection used to; reads never pay for one."""

    def __init__(self, path: Path, migrations: Sequence[str] = MIGRATIONS):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()  # this thread's connection and depth (web threads share this object)
        self.version = self._upgrade(migrations)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, rolled back on error.

        On one thread every call, nested or inside `session()`, uses the same connection."""
        with self._outermost() as db:
            with db:
                yield db

    @contextmanager
    def session(self) -> Iterator[None]:
        """Everything this thread does inside (a sync) on one connection, with one checkpoint at the end."""
        with self._outermost():
            yield

    @contextmanager
    def _outermost(self) -> Iterator[sqlite3.Connection]:
        depth = getattr(self._local, "depth", 0)
        db = self._connection() if depth == 0 else self._local.kept[1]
        changes = db.total_changes
        self._local.depth = depth + 1
        try:
            yield db
        finally:
            self._local.depth = depth
            if depth == 0 and db.total_changes != changes and not db.in_transaction:
                # Best effort, never a wait: while another connection writes or reads an older
                # snapshot, the checkpoint stops there and the next write's finishes the job.
                db.execute("PRAGMA busy_timeout = 0")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")

    def _connection(self) -> sqlite3.Connection:
        mark = self._mark()
        kept = getattr(self._local, "kept", None)
        if kept is not None:
            if mark is not None and kept[0] == mark:
                return kept[1]
            if kept[0] is not None and kept[0][0] == os.getpid():
                kept[1].close()  # its file was replaced or deleted (never close a parent process's)
        db = self._open()
        self._local.kept = (self._mark(), db)
        return db

    def _mark(self) -> tuple[int, int, int] | None:
        """This process and the file's identity: a kept connection is good while both are the same."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return os.getpid(), stat.st_dev, stat.st_ino

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000)
        use_wal(db, BUSY_MS / 1000)
        db.execute("PRAGMA secure_delete=ON")  # dropped NIKs and numbers are overwritten, not just unlinked
        return db

    def _upgrade(self, migrations: Sequence[str]) -> int:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            use_wal(db, 30)
            # One writer upgrades; a second process waits here, then finds the work done.
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > len(migrations):
                    raise NewerStateError(self.path, version, len(migrations))
                for number, script in enumerate(migrations[version:], start=version + 1):
                    for statement in filter(str.strip, script.split(";")):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return len(migrations)
