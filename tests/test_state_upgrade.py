"""Local state written by release 1 (no schema version) opens with today's code and keeps everything."""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from pondok_sheets import create_app
from pondok_sheets.config import Settings
from pondok_sheets.errors import NewerStateError
from pondok_sheets.flow.catalogue import lookup
from pondok_sheets.flow.sync import sync
from pondok_sheets.state.db import MIGRATIONS, Database
from pondok_sheets.state.outbox import PendingLog
from pondok_sheets.state.whatsapp import SentLog

from .conftest import at

FIXTURES = Path(__file__).parent / "fixtures" / "state"
QUEUED = "PDK-TR5SENH"  # Dewi Lestari's SKU request, still in the queue when release 1 stopped
TOLD = ("PDK-AHRAUGX", "PDK-HZ864FA")  # both told about Baru by release 1


@pytest.fixture
def upgraded(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "state-v0.sqlite3", data / "state.sqlite3")
    shutil.copy(FIXTURES / "register-v0.sqlite3", data / "register.sqlite3")
    settings = Settings(data_dir=data, secret_key="fixture-secret", settle_minutes=0, quiet_hours=None,
                        public_url="https://layanan.desapondok.id")
    return create_app(settings, {"TESTING": True})


def version(path: Path) -> int:
    # immutable: the checked-in fixture is only looked at, never given -wal/-shm files beside it
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_the_release_1_file_has_no_version_and_is_upgraded_in_place(upgraded, tmp_path):
    assert version(FIXTURES / "state-v0.sqlite3") == 0
    assert version(tmp_path / "data" / "state.sqlite3") == len(MIGRATIONS)


def test_a_submission_queued_before_the_upgrade_lands_once_after_it(upgraded, tmp_path):
    office = upgraded.extensions["pondok"]
    (pending,) = office.state.queue.pending()
    assert pending.ticket == QUEUED and pending.row["Nama"] == "Dewi Lestari"
    report = sync(office, at("2026-12-02 09:00"))
    assert report.ok and report.flushed == 1
    with closing(sqlite3.connect(tmp_path / "data" / "register.sqlite3")) as db:
        tickets = [r[0] for r in db.execute('SELECT "Tiket" FROM "Permohonan"')]
    assert sorted(tickets) == sorted([*TOLD, QUEUED])


def test_residents_told_before_the_upgrade_are_not_told_again(upgraded):
    office = upgraded.extensions["pondok"]
    for ticket in TOLD:
        assert office.state.ledger.outcome(ticket, "Baru", "") == "Baru · dikabari 2026-11-30 10:00"
    before = len(office.state.outbox.latest(100))
    sync(office, at("2026-12-02 09:00"))
    after = office.state.outbox.latest(100)[before:]
    assert [m[3] for m in after if m[2] == "status"] == [QUEUED]  # only the queued request's confirmation
    assert [m[2] for m in after if m[2] != "status"] == ["balasan"]  # the waiting "halo" gets its menu, once


def test_a_chat_half_way_and_the_other_books_survive_the_upgrade(upgraded):
    state = upgraded.extensions["pondok"].state
    step, data = state.chats.get("+6281234567804", at("2026-11-30 10:10"))
    assert (step, data) == ("nik", {"service": "SKD", "nama": "Rudi Hartono"})
    (event,) = state.inbox.claim(at("2026-12-02 09:00"))
    assert event[0] == "wamid.FIXTURE1" and event[2]["text"] == "halo"
    assert state.sent.get("wamid.SENT1").ticket == TOLD[0]
    assert [link.ticket for link in state.links.latest()] == [TOLD[1]]
    assert state.jobs.last_run("sinkron", "nyata") == at("2026-11-30 10:00")
    assert lookup(upgraded.extensions["pondok"], TOLD[0].lower()).status == "Baru"


def test_migrations_run_once_in_order_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    Database(path, ("CREATE TABLE a (x)", "INSERT INTO a VALUES (1)"))
    Database(path, ("CREATE TABLE a (x)", "INSERT INTO a VALUES (1)", "INSERT INTO a VALUES (2)"))
    with closing(sqlite3.connect(path)) as db:
        assert [r[0] for r in db.execute("SELECT x FROM a")] == [1, 2] and version(path) == 3
    with pytest.raises(NewerStateError):
        Database(path, ("CREATE TABLE a (x)",))


def test_a_migration_that_fails_leaves_the_file_at_its_old_version(tmp_path):
    path = tmp_path / "state.sqlite3"
    Database(path, ("CREATE TABLE a (x)",))
    with pytest.raises(sqlite3.OperationalError):
        Database(path, ("CREATE TABLE a (x)", "CREATE TABLE b (y)", "INSERT INTO nowhere VALUES (1)"))
    assert version(path) == 1
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'b'").fetchone() is None


def test_a_release_6_file_keeps_its_waiting_log_rows_and_sent_messages_through_migration_7(tmp_path):
    path = tmp_path / "state.sqlite3"
    Database(path, MIGRATIONS[:6])
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO pending_log (row) VALUES (?)", ('{"Tiket": "PDK-AHRAUGX", "ID Pesan": ""}',))
        db.execute("INSERT INTO wa_sent (message_id, ticket, status, kind, phone, text, params, via, at) "
                   "VALUES ('wamid.OLD1', 'PDK-AHRAUGX', 'Baru', 'status', '+6281234567801', 'Halo', '[]', 'text', "
                   "'2026-11-30T10:00:00+07:00')")
    assert version(path) == 6

    upgraded = Database(path)
    assert version(path) == len(MIGRATIONS) >= 7
    log = PendingLog(upgraded)
    assert [row["Tiket"] for _, row in log.waiting()] == ["PDK-AHRAUGX"]
    assert not log.in_doubt()  # a row from before the upgrade was never tried: no Log read is spent on it
    sent = SentLog(upgraded)
    assert sent.get("wamid.OLD1").ticket == "PDK-AHRAUGX" and sent.ref_accepted("") is None
