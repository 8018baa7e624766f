"""Idle syncs ask Drive, not Sheets; staff edits are never missed; timed work runs without a read."""
from __future__ import annotations

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.stores import open_store, prepare_register

from .conftest import VALID, at, google_settings
from .staff import GoogleStaff


@pytest.fixture
def store_kind() -> str:
    return "google"


def new_office(api, tmp_path, **overrides) -> tuple[Office, GoogleStaff]:
    settings = google_settings(api, tmp_path, **overrides)
    prepare_register(open_store(settings))
    return Office.open(settings), GoogleStaff(api, settings.sheet_id)


def full_reads(api) -> int:
    """Reads of a whole tab (the register read), as opposed to the header and key-column re-read before a write."""
    def ranges(record) -> list[str]:
        value = record.query.get("ranges", [])
        return [value] if isinstance(value, str) else list(value)
    return sum(any("!" not in r for r in ranges(rec)) for rec in api.requests if rec.kind == "read")


def told(office: Office, ticket: str, words: str) -> int:
    """How many messages to `ticket` contain `words`."""
    return sum(words in text for _, _, _, t, text in office.state.outbox.latest(10_000) if t == ticket)


def filed(office: Office, when: str, phone: str = "0812-3456-7801") -> str:
    ticket = submit(office, "SKD", {**VALID, "wa": phone}, Channel.FORM, at(when))
    sync(office, at(when))
    return ticket


def test_an_idle_sync_asks_drive_once_and_reads_nothing(sheets_api, tmp_path):
    office, _ = new_office(sheets_api, tmp_path)
    filed(office, "2026-11-27 09:00")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:02"))
    assert report.ok and (sheets_api.reads, sheets_api.writes, sheets_api.drive_requests) == (0, 0, 1)


@pytest.mark.parametrize("moment, caught_at", [
    (2, "09:04"),  # right before the cycle's first write: Drive's mark moved since the read, the next sync reads
    (3, "09:17"),  # right after its last write: absorbed, found by the safety net 15 minutes after the full read
])
def test_an_edit_while_the_service_writes_is_never_missed(sheets_api, tmp_path, moment, caught_at):
    office, staff = new_office(sheets_api, tmp_path)
    first, second = filed(office, "2026-11-27 09:00"), filed(office, "2026-11-27 09:00", "0813-5555-0001")
    staff.set(first, "Status", "Diproses")
    drive_asks = []

    def edit_while_writing(record):
        if record.kind == "drive":
            drive_asks.append(record)
            if len(drive_asks) == moment:  # 1: before the read, 2: before the first write, 3: after the last
                staff.set(second, "Status", "Siap Diambil")

    sheets_api.before_request(edit_while_writing)
    try:
        report = sync(office, at("2026-11-27 09:02"))
    finally:
        sheets_api.before_request(None)
    assert report.sent == 1 and told(office, first, "diproses") == 1
    assert len(drive_asks) == min(moment, 3)  # the sheet moved before the first write: no need to ask after
    for minute in ("09:04", "09:10", "09:17", "09:30"):
        sheets_api.reset_counts()
        sync(office, at(f"2026-11-27 {minute}"))
        expected = 1 if minute >= caught_at else 0
        assert told(office, second, "siap diambil") == expected, minute
        if minute == caught_at:
            assert full_reads(sheets_api) == 1
        elif minute < caught_at:
            assert full_reads(sheets_api) == 0


def test_an_edit_drive_does_not_show_yet_is_caught_within_the_full_read_interval(sheets_api, tmp_path):
    office, staff = new_office(sheets_api, tmp_path, full_read_minutes=10)
    ticket = filed(office, "2026-11-27 09:00")
    sheets_api.drive_lag = 1  # Drive still reports the file as it was before the next edit
    try:
        staff.set(ticket, "Status", "Diproses")
        sheets_api.reset_counts()
        for minute in ("09:02", "09:05", "09:09"):
            assert sync(office, at(f"2026-11-27 {minute}")).ok
        assert full_reads(sheets_api) == 0 and told(office, ticket, "diproses") == 0
        sync(office, at("2026-11-27 09:10"))
        assert full_reads(sheets_api) == 1 and told(office, ticket, "diproses") == 1
    finally:
        sheets_api.drive_lag = 0


def test_a_settle_delay_ending_is_announced_by_an_idle_sync_without_a_read(sheets_api, tmp_path):
    office, staff = new_office(sheets_api, tmp_path, settle_minutes=3)
    ticket = filed(office, "2026-11-27 09:00")
    staff.set(ticket, "Status", "Diproses")
    assert sync(office, at("2026-11-27 09:01")).waiting == 1  # read: the change is settling
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:04"))
    assert report.sent == 1 and told(office, ticket, "diproses") == 1
    assert full_reads(sheets_api) == 0 and sheets_api.reads == 1  # only the rows-by-ticket re-read before writing
    assert staff.row(ticket)["Notifikasi"].startswith("Diproses · dikabari")
    sheets_api.reset_counts()
    assert sync(office, at("2026-11-27 09:06")).sent == 0  # its own write is not a change
    assert (sheets_api.reads, sheets_api.writes) == (0, 0)


def test_a_pickup_reminder_goes_out_from_an_idle_sync_without_a_read(sheets_api, tmp_path):
    office, staff = new_office(sheets_api, tmp_path, full_read_minutes=100_000)
    ticket = filed(office, "2026-11-20 09:00")  # a Friday
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-20 10:00"))
    assert told(office, ticket, "siap diambil") == 1
    sheets_api.reset_counts()
    sync(office, at("2026-11-25 09:00"))  # 3 working days later
    assert told(office, ticket, "masih menunggu diambil") == 1 and full_reads(sheets_api) == 0
    assert staff.row(ticket)["Notifikasi"].endswith("· pengingat 1")
    sync(office, at("2026-11-25 09:10"))
    assert told(office, ticket, "masih menunggu diambil") == 1


def test_without_the_drive_api_every_sync_reads_in_full_and_says_why(sheets_api, tmp_path):
    office, _ = new_office(sheets_api, tmp_path)
    filed(office, "2026-11-27 09:00")
    sheets_api.drive_enabled = False
    try:
        sheets_api.reset_counts()
        report = sync(office, at("2026-11-27 09:02"))
    finally:
        sheets_api.drive_enabled = True
    assert report.ok and full_reads(sheets_api) == 1
    assert "Google Drive API belum diaktifkan" in report.summary()


def test_a_wiped_local_state_makes_the_next_sync_read_in_full(sheets_api, tmp_path):
    office, staff = new_office(sheets_api, tmp_path)
    ticket = filed(office, "2026-11-27 09:00")
    (office.settings.data_dir / "state.sqlite3").unlink()
    for extra in ("-wal", "-shm"):
        (office.settings.data_dir / f"state.sqlite3{extra}").unlink(missing_ok=True)
    fresh = Office.open(office.settings)
    sheets_api.reset_counts()
    assert sync(fresh, at("2026-11-27 09:02")).ok and full_reads(sheets_api) == 1
    assert told(fresh, ticket, "") == 0  # the register's Notifikasi cells say the resident was told


def test_after_a_failed_sync_the_next_one_reads_in_full(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    ticket = filed(office, "2026-11-27 09:00")
    staff.set(ticket, "Status", "Diproses")
    office.store.google.backoff = 0.01
    own_api.fail_next(4, 503, kinds=("write",))  # every attempt of the cycle's one update
    assert not sync(office, at("2026-11-27 09:02")).ok
    own_api.reset_counts()
    assert sync(office, at("2026-11-27 09:04")).ok and full_reads(own_api) == 1
    assert told(office, ticket, "diproses") == 1


@pytest.fixture
def own_api():
    from .fakes.sheets_api import FakeSheetsAPI

    with FakeSheetsAPI() as api:
        yield api


def test_a_phones_second_view_of_a_ticket_and_its_qr_is_a_304(client, office):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    first = client.get(f"/tiket/{ticket}")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(f"/tiket/{ticket}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    code = client.get("/qr/cek.svg")
    assert code.status_code == 200 and "max-age" in code.headers["Cache-Control"]
    assert client.get("/qr/cek.svg", headers={"If-None-Match": code.headers["ETag"]}).status_code == 304
