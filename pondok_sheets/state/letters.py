"""Letters the office gave, as the last sync saw them: what /verifikasi shows, and numbers never to reuse.

A cache of the register's Nomor Surat cells (rebuilt at every sync, so it survives the
loss of this file); rows are never deleted, so a number seen once stays taken even if
staff later clear its cell or delete its row.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .db import Database, rows_of


@dataclass(frozen=True)
class LetterRecord:
    """One letter: its code, ticket, number, kind, date (`2 Desember 2026`), masked name, revoked."""

    code: str
    ticket: str
    number: str
    service: str
    issued: str
    name: str
    revoked: bool = False


class LetterBook:
    """The letters table of the state file."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, letters: Iterable[LetterRecord]) -> None:
        """Add or refresh letters (a revoked flag or a date staff corrected)."""
        rows = ((r.code, r.ticket, r.number, r.service, r.issued, r.name, int(r.revoked)) for r in letters)
        with self.db.connect() as db:
            # Every sync offers every letter, streamed (50,000 rows never sit in memory at once); a letter
            # already kept as it is is left alone, so the page it lives on is not rewritten.
            db.executemany("""INSERT INTO letters VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET ticket = excluded.ticket, number = excluded.number,
                    service = excluded.service, issued = excluded.issued, name = excluded.name,
                    revoked = excluded.revoked
                WHERE (ticket, number, service, issued, name, revoked) IS NOT
                      (excluded.ticket, excluded.number, excluded.service, excluded.issued, excluded.name,
                       excluded.revoked)""", rows)

    def find(self, code: str) -> LetterRecord | None:
        """The letter with this verification code, or None."""
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM letters WHERE code = ?", (code,)).fetchone()
        return LetterRecord(*row[:6], bool(row[6])) if row else None

    def codes(self, tickets: Collection[str]) -> dict[tuple[str, str], str]:
        """The verification code kept for each (ticket, number) of these tickets."""
        with self.db.connect() as db:
            return {(ticket, number): code for code, ticket, number
                    in rows_of(db, "SELECT code, ticket, number FROM letters", "ticket", tickets, key_at=1)}

    def revoke_replaced(self, current: Mapping[str, Collection[str]]) -> int:
        """Revoke the letters of these tickets whose number the register no longer holds; returns how many.

        `current` maps each ticket to the numbers its row(s) hold now (none when staff cleared the cell).
        """
        with self.db.connect() as db:
            stale = [(code,) for code, ticket, number, revoked
                     in rows_of(db, "SELECT code, ticket, number, revoked FROM letters", "ticket", current, key_at=1)
                     if not revoked and number not in current[ticket]]
            db.executemany("UPDATE letters SET revoked = 1 WHERE code = ?", stale)
        return len(stale)

    def numbers(self) -> list[str]:
        """Every letter number ever seen, so none is given again."""
        with self.db.connect() as db:
            return [r[0] for r in db.execute("SELECT number FROM letters")]
