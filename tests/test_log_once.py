"""Log rows are never doubled (issue 13, item 6): an append to Log that Google applied and then failed to
answer (a 503 after writing, a time-out, or a process killed while waiting) is not appended again. Every
Log row carries a key in ID Pesan; after an append in doubt, one read of that column decides what is left."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.state.outbox import NO_MESSAGE_ID
from pondok_sheets.stores import open_store, prepare_register

from .conftest import VALID, at, google_settings
from .staff import GoogleStaff
from .test_serve import wait_until
from .whatsapp_server import ROOT


@pytest.fixture
def google(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    yield settings
    sheets_api.before_request(None)


def _residents(office: Office, count: int, first: int = 0) -> list[str]:
    return [submit(office, "SKD", {**VALID, "nama": f"Warga {i}", "wa": f"0813-5555-{i:04d}"}, Channel.FORM)
            for i in range(first, first + count)]


def _log_ids(sheets_api, settings) -> Counter[str]:
    return Counter(r["ID Pesan"] for r in GoogleStaff(sheets_api, settings.sheet_id).rows("Log"))


def _on_log_append(sheets_api, act) -> None:
    """Call `act()` as the service's append to Log arrives (before the fake handles it)."""
    def watch(record):
        if record.endpoint == "values.append" and "Log" in (record.range or record.path):
            sheets_api.before_request(None)
            act()
    sheets_api.before_request(watch)


def test_a_log_append_google_applied_and_answered_503_is_not_appended_again(sheets_api, google):
    office = Office.open(google)
    _residents(office, 3)
    staff = GoogleStaff(sheets_api, google.sheet_id)
    staff.add_row({"Nama": "Pak Darto", "Layanan": "SKD", "WhatsApp": "12345"})  # a walk-in with no usable number
    _on_log_append(sheets_api, lambda: sheets_api.fail_after_applying(1, 503))
    first = sync(office, at("2026-11-27 09:00"))
    assert not first.ok and first.sent == 3  # told, and the Log rows landed, but Google answered 503
    ids = _log_ids(sheets_api, google)
    assert sum(ids.values()) == 4 and set(ids.values()) == {1}
    assert sum(i.startswith(NO_MESSAGE_ID) for i in ids) == 1  # the refusal's row has a key of its own

    sheets_api.reset_counts()
    second = sync(office, at("2026-11-27 09:02"))
    assert second.ok and second.sent == 0
    assert _log_ids(sheets_api, google) == ids  # each row exactly once
    assert sheets_api.reads <= 2  # the sync's read and the one read of ID Pesan, within the budget
    assert office.state.log.waiting() == []

    _residents(office, 1, first=3)
    sheets_api.reset_counts()
    third = sync(office, at("2026-11-27 09:04"))
    assert third.ok and third.sent == 1
    assert sum(_log_ids(sheets_api, google).values()) == 5 and set(_log_ids(sheets_api, google).values()) == {1}
    reads = [r for r in sheets_api.requests if r.kind == "read"]
    assert not any("ID Pesan" in str(r.range) or "!H:H" in str(r.range) for r in reads)  # no doubt: no check


def test_the_check_after_a_lost_answer_rides_on_the_header_read_of_a_cycle_that_writes_cells(sheets_api, google):
    office = Office.open(google)
    (ticket,) = _residents(office, 1)
    sync(office, at("2026-11-27 09:00"))
    GoogleStaff(sheets_api, google.sheet_id).set(ticket, "Status", "Diproses")
    _on_log_append(sheets_api, lambda: sheets_api.fail_after_applying(1, 503))
    assert not sync(office, at("2026-11-27 09:02")).ok  # told of Diproses; its Log row landed, answered 503
    GoogleStaff(sheets_api, google.sheet_id).set(ticket, "Status", "Siap Diambil")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:04"))
    assert report.ok and report.sent == 1
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3  # the budget of a cycle with changes holds
    ids = _log_ids(sheets_api, google)
    assert sum(ids.values()) == 3 and set(ids.values()) == {1}  # Baru, Diproses, Siap Diambil: once each


def test_rows_added_after_a_lost_answer_are_appended_and_the_landed_ones_are_not(sheets_api, google):
    office = Office.open(google)
    office.store.google.set_timeout((5.0, 1.0))  # the read time-out, at the client's one choke point
    _residents(office, 2)
    _on_log_append(sheets_api, lambda: sheets_api.hang_next(1, seconds=2, after=True, kinds=("write",)))
    first = sync(office, at("2026-11-27 09:00"))
    assert not first.ok and "tidak menjawab" in first.error  # applied, but the answer came after our time-out
    assert sum(_log_ids(sheets_api, google).values()) == 2

    _residents(office, 2, first=2)
    second = sync(office, at("2026-11-27 09:02"))
    assert second.ok and second.sent == 2
    ids = _log_ids(sheets_api, google)
    assert sum(ids.values()) == 4 and set(ids.values()) == {1}


def test_a_sync_killed_while_its_log_append_is_in_flight_leaves_each_row_once(sheets_api, google, tmp_path):
    office = Office.open(google)
    tickets = _residents(office, 3)
    env = {**os.environ, "PONDOK_DATA_DIR": str(google.data_dir), "PONDOK_SECRET_KEY": google.secret_key,
           "PONDOK_SHEET_ID": google.sheet_id, "PONDOK_GOOGLE_CREDENTIALS": google.google_credentials,
           "PONDOK_SHEETS_API_URL": google.sheets_api_url, "PONDOK_SETTLE_MINUTES": "0", "PONDOK_QUIET_HOURS": "",
           "PONDOK_PUBLIC_URL": google.public_url}
    held = []
    _on_log_append(sheets_api, lambda: (held.append(1), sheets_api.hang_next(1, seconds=30, after=True,
                                                                             kinds=("write",))))
    process = subprocess.Popen([sys.executable, "main.py", "sync"], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: held and sum(_log_ids(sheets_api, google).values()) == 3, 30)  # landed; answer held
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)

    restarted = Office.open(google)
    report = sync(restarted, at("2026-11-27 09:05"))
    assert report.ok and report.sent == 0  # the messages were told before the kill, once
    ids = _log_ids(sheets_api, google)
    assert sum(ids.values()) == 3 and set(ids.values()) == {1}
    assert {r["Tiket"] for r in GoogleStaff(sheets_api, google.sheet_id).rows("Log")} == set(tickets)


def test_a_kirim_wa_append_google_applied_and_answered_503_is_not_appended_again(sheets_api, google):
    """Links mode: staff send each message from its Kirim WA row, so a row twice would be a message twice."""
    settings = dataclasses.replace(google, wa_provider="links")
    prepare_register(open_store(settings), with_links=True)  # the Kirim WA tab
    office = Office.open(settings)
    _residents(office, 2)
    staff = GoogleStaff(sheets_api, settings.sheet_id)

    def on_kirim_wa_append(record):
        if record.endpoint == "values.append" and "Kirim WA" in (record.range or record.path):
            sheets_api.before_request(None)
            sheets_api.fail_after_applying(1, 503)
    sheets_api.before_request(on_kirim_wa_append)
    first = sync(office, at("2026-11-27 09:00"))
    assert not first.ok
    numbers = Counter(r["No"] for r in staff.rows("Kirim WA"))
    assert len(numbers) == 2 and set(numbers.values()) == {1}  # landed, though Google answered 503

    second = sync(office, at("2026-11-27 09:02"))
    assert second.ok
    assert Counter(r["No"] for r in staff.rows("Kirim WA")) == numbers  # each message on one row

    _residents(office, 1, first=2)
    assert sync(office, at("2026-11-27 09:04")).ok
    rows = staff.rows("Kirim WA")
    assert len(rows) == 3 and len({r["No"] for r in rows}) == 3  # a later message still gets its row


def test_after_the_local_state_is_lost_a_new_message_under_an_old_no_gets_its_own_row_untold(sheets_api, google):
    """Kirim WA numbers start again at 1 with a new state file: the old row 1 (ticked) is another message."""
    settings = dataclasses.replace(google, wa_provider="links")
    prepare_register(open_store(settings), with_links=True)
    office = Office.open(settings)
    (first,) = _residents(office, 1)
    assert sync(office, at("2026-11-27 09:00")).ok
    staff = GoogleStaff(sheets_api, settings.sheet_id)
    staff.set_where("Kirim WA", "No", "1", "Terkirim", True)  # staff sent it and ticked the box
    assert sync(office, at("2026-11-27 09:02")).ok
    assert staff.row(first)["Notifikasi"].startswith("Baru · dikabari")

    for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):  # a wiped disk
        (settings.data_dir / name).unlink(missing_ok=True)
    office = Office.open(settings)
    (second,) = _residents(office, 1, first=1)
    assert sync(office, at("2026-11-27 09:04")).ok
    staff.set(first, "Catatan", "sudah diambil")  # an edit, so the next sync reads the ticks again
    assert sync(office, at("2026-11-27 09:06")).ok
    rows = staff.rows("Kirim WA")
    assert [(r["No"], r["Tiket"]) for r in rows] == [("1", first), ("1", second)]  # its own row, to send
    assert staff.row(second)["Notifikasi"] == "Baru · menunggu dikirim petugas"  # not told by the old tick
    assert staff.row(first)["Notifikasi"].startswith("Baru · dikabari")
