"""Flask-Limiter's counters in a SQLite file of the local state, so every worker process counts together.

`limits` ships memory (one process each), Redis, Memcached and MongoDB, but nothing on disk.
This is its fixed-window storage: one row per key with its count and the moment it expires;
each `incr` is one `INSERT … ON CONFLICT DO UPDATE` (an expired row starts again at `amount`),
in WAL mode so readers never wait for a writer. Defining the class registers the URI scheme
`pondok+sqlite:///<path>` with `limits`.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from limits.storage import Storage

from .db import use_wal

SCHEME = "pondok+sqlite"
FILE_NAME = "limits.sqlite3"
PRUNE_EVERY = 1000  # counters written by this process between two clean-ups of expired rows

_INCR = """
INSERT INTO counters (key, hits, expires) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN counters.expires <= ?4 THEN ?2 ELSE counters.hits + ?2 END,
    expires = CASE WHEN counters.expires <= ?4 THEN ?3 ELSE counters.expires END
RETURNING hits
"""


def storage_uri(data_dir: Path) -> str:
    """The URI of the counters file in the local state folder."""
    return f"{SCHEME}://{(Path(data_dir).resolve() / FILE_NAME).as_posix()}"


class SqliteStorage(Storage):
    """Fixed-window counters shared by every process that opens the same file."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(urlparse(uri).path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writes = 0
        self._local = threading.local()  # one connection per thread: waitress serves on several
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS counters "
                       "(key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires REAL NOT NULL)")

    def _db(self) -> sqlite3.Connection:
        db, pid = getattr(self._local, "db", (None, 0))
        if db is None or pid != os.getpid():  # a connection never crosses a fork (uWSGI builds before it)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)  # autocommit: each statement alone
            use_wal(db, 10)
            db.execute("PRAGMA synchronous=NORMAL")  # a counter lost in a power cut is no loss
            self._local.db = (db, os.getpid())
        return db

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self._writes += 1
        if self._writes % PRUNE_EVERY == 0:
            self.prune()
        return self._db().execute(_INCR, (key, amount, now + expiry, now)).fetchone()[0]

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT hits FROM counters WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))

    def prune(self) -> int:
        """Drop expired counters (the table otherwise keeps one row per key ever seen)."""
        return self._db().execute("DELETE FROM counters WHERE expires <= ?", (time.time(),)).rowcount
