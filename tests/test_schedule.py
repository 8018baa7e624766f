"""Time, with a fake clock: settle delay, quiet hours, the digest, reminders, the lock, tick and /tasks/tick."""
from __future__ import annotations

from dataclasses import replace

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from pondok_sheets import create_app
from pondok_sheets.flow.jobs import run_due
from pondok_sheets.register.calendar import add_working_days, working_days_between
from pondok_sheets.register.model import Channel
from pondok_sheets.register.validation import parse_phone

from .conftest import VALID, at
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync

ROOT = Path(__file__).resolve().parents[1]
STAFF = parse_phone("0811-2222-3333")


@pytest.fixture
def store_kind() -> str:
    return "local"


@pytest.fixture
def app(settings, clock):
    return create_app(dataclasses.replace(settings, settle_minutes=3, quiet_hours=(at("2026-01-01 21:00").time(),
                                                                                 at("2026-01-01 07:00").time()),
                                          staff_wa=(STAFF,), task_token="rahasia-cron"), {"TESTING": True},
                      clock=clock)


def messages(office, kind: str | None = None, ticket: str | None = None) -> list[tuple[str, str]]:
    return [(t, text) for when, _, k, t, text in office.state.outbox.latest(10_000)
            if (kind is None or k == kind) and (ticket is None or t == ticket)]


def filed(office, when: str, **fields) -> str:
    ticket = submit(office, "SKD", {**VALID, **fields}, Channel.FORM, at(when))
    sync(office, at(when))
    return ticket


# -- settle and quiet hours -------------------------------------------------------------

def test_a_confirmation_goes_at_once_even_at_night(office):
    ticket = filed(office, "2026-11-27 23:30")
    assert len(messages(office, ticket=ticket)) == 1


def test_a_change_undone_within_the_settle_delay_sends_nothing(office, staff):
    ticket = filed(office, "2026-11-27 09:00")
    staff.set(ticket, "Status", "Ditolak")  # a mis-click
    sync(office, at("2026-11-27 09:01"))
    staff.set(ticket, "Status", "Baru")  # corrected at once
    for minute in ("09:03", "09:05", "09:10"):
        sync(office, at(f"2026-11-27 {minute}"))
    assert len(messages(office, ticket=ticket)) == 1  # only the confirmation


def test_a_change_that_stays_is_told_after_the_settle_delay(office, staff):
    ticket = filed(office, "2026-11-27 09:00")
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 09:10"))
    assert len(messages(office, ticket=ticket)) == 1
    sync(office, at("2026-11-27 09:12"))
    assert len(messages(office, ticket=ticket)) == 1  # 2 minutes: not yet
    sync(office, at("2026-11-27 09:13"))
    assert "sedang diproses" in messages(office, ticket=ticket)[-1][1]


def test_quiet_hours_hold_messages_until_morning_then_send_oldest_first(office, staff):
    tickets = [filed(office, "2026-11-27 15:00", wa=f"0813-5555-000{i}") for i in range(3)]
    for ticket, when in zip([tickets[2], tickets[0], tickets[1]], ["20:50", "21:10", "22:30"]):
        staff.set(ticket, "Status", "Siap Diambil")
        sync(office, at(f"2026-11-27 {when}"))
    for when in ["2026-11-27 23:00", "2026-11-28 03:00", "2026-11-28 06:59"]:
        report = sync(office, at(when))
        assert report.sent == 0 and report.waiting == 3
    report = sync(office, at("2026-11-28 07:00"))
    assert report.sent == 3
    told = [t for t, text in messages(office) if "siap diambil" in text]
    assert told == [tickets[2], tickets[0], tickets[1]]  # in the order the changes were made


def test_a_run_sends_at_most_its_budget_and_the_rest_follow(office, staff):
    tickets = [filed(office, "2026-11-27 09:00") for _ in range(5)]
    for ticket in tickets:
        staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 09:01"))
    first = sync(office, at("2026-11-27 09:05"), max_sends=2)
    assert first.sent == 2 and first.waiting == 3
    assert sync(office, at("2026-11-27 09:06")).sent == 3


# -- the morning digest -------------------------------------------------------------------

def test_the_digest_goes_once_across_ticks_at_0725_0731_0736_and_0910(office):
    filed(office, "2026-11-20 09:00")  # SKD promises 2 working days: late by now
    ran = [run_due(office, at(f"2026-11-27 {t}")).ran for t in ("07:25", "07:31", "07:36", "09:10")]
    assert ["ringkasan pagi" in r for r in ran] == [False, True, False, False]
    (digest,) = messages(office, kind="ringkasan")
    assert "Baru: 1" in digest[1] and "Lewat janji waktu (1)" in digest[1]


def test_after_two_days_of_downtime_one_digest_not_many(office):
    run_due(office, at("2026-11-25 07:40"))
    run_due(office, at("2026-11-27 10:15"))  # the server slept through the 26th and the 27th's 07:30
    run_due(office, at("2026-11-27 10:20"))
    assert len(messages(office, kind="ringkasan")) == 2  # the 25th's, and one for today


def test_the_digest_lists_late_requests_oldest_first_and_fits_one_message(office, staff):
    old = filed(office, "2026-11-02 09:00")
    newer = filed(office, "2026-11-10 09:00")
    ready = filed(office, "2026-11-03 09:00")
    staff.set(ready, "Status", "Siap Diambil")
    for i in range(150):
        filed(office, "2026-11-16 09:00", keterangan=str(i))
    run_due(office, at("2026-11-27 07:30"))
    (_, text), = messages(office, kind="ringkasan")
    assert text.index(old) < text.index(newer) and ready not in text
    assert len(text) <= 4096 and "lainnya (lihat sheet)" in text and "3201" not in text


# -- working days and reminders -------------------------------------------------------------

def test_working_days_skip_weekends_and_national_holidays():
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 1  # Christmas, then a weekend
    assert add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)  # Friday → Tuesday: the 17th is a holiday
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 27)) == 0


def test_pickup_reminders_come_after_3_and_7_working_days_and_never_a_third(office, staff):
    ticket = filed(office, "2026-11-20 09:00")  # a Friday
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-20 10:00"))
    sync(office, at("2026-11-20 10:05"))  # told
    reminders = lambda: [text for _, text in messages(office, kind="pengingat", ticket=ticket)]  # noqa: E731
    for day in ("2026-11-23", "2026-11-24"):
        sync(office, at(f"{day} 09:00"))
    assert reminders() == []
    sync(office, at("2026-11-25 09:00"))  # 3 working days
    sync(office, at("2026-11-25 09:10"))
    assert len(reminders()) == 1 and "masih menunggu diambil" in reminders()[0]
    assert staff.row(ticket)["Notifikasi"].endswith("· pengingat 1")
    sync(office, at("2026-11-30 09:00"))  # 6 working days
    assert len(reminders()) == 1
    sync(office, at("2026-12-01 09:00"))  # 7 working days
    sync(office, at("2026-12-31 09:00"))
    sync(office, at("2027-02-01 09:00"))
    assert len(reminders()) == 2


# -- cron semantics ---------------------------------------------------------------------------

def test_two_overlapping_ticks_do_the_work_once(office):
    submit(office, "SKD", VALID, Channel.FORM)
    barrier = threading.Barrier(2)
    results = []

    def tick():
        barrier.wait()
        results.append(run_due(office, at("2026-11-27 09:00")))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.locked for r in results) == [False, True]
    assert len(messages(office, kind="status")) == 1 and len(messages(office, kind="ringkasan")) == 1


def test_a_tick_killed_while_holding_the_lock_does_not_block_the_next(office, settings):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from filelock import FileLock;"
        "lock = FileLock(sys.argv[2], thread_local=False); lock.acquire(timeout=0); print('held', flush=True);"
        "time.sleep(60)"),
        str(ROOT), str(settings.data_dir / "tick.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert run_due(office, at("2026-11-27 09:00")).locked
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
    assert not run_due(office, at("2026-11-27 09:01")).locked


def test_tick_at_runs_as_if_then_and_leaves_real_time_alone(app, office, runner):
    result = runner.invoke(["tick", "--at", "2026-11-27T07:45"])
    assert result.exit_code == 0 and "ringkasan pagi: dikirim ke 1 dari 1 petugas" in result.output
    assert "ringkasan pagi: belum waktunya" in runner.invoke(["tick", "--at", "2026-11-27T08:00"]).output
    real = run_due(office, at("2026-11-27 07:50"))  # the real clock has not had its digest yet
    assert "ringkasan pagi" in real.ran
    assert runner.invoke(["tick", "--at", "besok pagi"]).exit_code == 2


def test_tasks_tick_needs_the_right_bearer_token(client, office):
    assert client.post("/tasks/tick").status_code == 401
    assert client.post("/tasks/tick", headers={"Authorization": "Bearer salah"}).status_code == 401
    assert client.post("/tasks/tick", headers={"Authorization": "rahasia-cron"}).status_code == 401
    assert messages(office) == []
    submit(office, "SKD", VALID, Channel.FORM)
    response = client.post("/tasks/tick", headers={"Authorization": "Bearer rahasia-cron"})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] and "sinkron" in body["dijalankan"]
    assert "1 permohonan baru masuk register" in body["dijalankan"]["sinkron"]


def test_tasks_tick_is_refused_when_no_token_is_configured(settings):
    app = create_app(dataclasses.replace(settings, task_token=""), {"TESTING": True})
    assert app.test_client().post("/tasks/tick", headers={"Authorization": "Bearer "}).status_code == 401


def test_tasks_tick_bounds_the_messages_per_call(client, office, staff):
    tickets = [filed(office, "2026-11-27 09:00") for _ in range(45)]
    for ticket in tickets:
        staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 09:00"))
    office.clock.moment = at("2026-11-27 09:30")
    body = client.post("/tasks/tick", headers={"Authorization": "Bearer rahasia-cron"}).get_json()
    assert "40 pesan terkirim" in body["dijalankan"]["sinkron"] and "5 kabar menunggu" in body["dijalankan"]["sinkron"]


def test_the_scheduler_starts_with_its_jobs_and_stops_cleanly(app):
    from pondok_sheets.cli.scheduler import start_scheduler

    scheduler = start_scheduler(app.extensions["pondok"])
    try:
        assert scheduler.running and {job.id for job in scheduler.get_jobs()} == {"tick"}
        app.extensions["pondok"].wakeup.notify()
        assert {job.id for job in scheduler.get_jobs()} == {"tick", "flush"}
        assert str(scheduler.timezone) == "Asia/Jakarta"
    finally:
        scheduler.shutdown(wait=True)
    assert not scheduler.running
    time.sleep(0.1)


@pytest.mark.parametrize("store_kind", ["local", "google"])
def test_log_hygiene_masks_numbers_and_archives_old_rows_without_losing_any(settings, staff, store_kind):
    app = create_app(dataclasses.replace(settings, log_keep_days=30), {"TESTING": True})
    office = app.extensions["pondok"]
    old = submit(office, "SKD", VALID, Channel.FORM, at("2026-09-01 09:00"))
    sync(office, at("2026-09-01 09:00"))
    recent = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-20 09:00"))
    sync(office, at("2026-11-20 09:00"))
    staff.add_row({"Waktu": "2026-11-21 08:00", "Tiket": recent, "Kepada": "0812-3456-7801", "Jenis": "manual",
                   "Hasil": "dicatat petugas"}, tab="Log")
    result = run_due(office, at("2026-11-27 09:00"))
    assert result.ran["kebersihan log"] == "1 nomor disamarkan, 1 baris dipindah ke Log Arsip"
    log = staff.rows("Log")
    assert [r["Tiket"] for r in log] == [recent, recent]
    assert all("3456" not in r["Kepada"] for r in log) and log[1]["Kepada"] == "62812*****801"
    (archived,) = staff.rows("Log Arsip")
    assert archived["Tiket"] == old and archived["Hasil"] == "terkirim"
    assert "kebersihan log" not in run_due(office, at("2026-11-27 10:00")).ran  # once a day


@pytest.mark.parametrize("store_kind", ["local", "google"])
def test_an_archive_append_that_landed_unanswered_is_not_archived_twice(settings, staff):
    from pondok_sheets.office import Office

    from .test_flush import Passthrough, ProcessDied

    class DiesAfterArchiving(Passthrough):  # the rows reach Log Arsip, the answer never comes back
        def append(self, tab, rows):
            super().append(tab, rows)
            if tab == "Log Arsip":
                raise ProcessDied

    app = create_app(dataclasses.replace(settings, log_keep_days=30), {"TESTING": True})
    office = app.extensions["pondok"]
    old = [submit(office, "SKD", {**VALID, "wa": f"0813-5555-000{i}"}, Channel.FORM, at("2026-09-01 09:00"))
           for i in range(2)]
    sync(office, at("2026-09-01 09:00"))
    with pytest.raises(ProcessDied):
        run_due(replace(office, store=DiesAfterArchiving(office.store)), at("2026-11-27 09:00"))
    assert sorted(r["Tiket"] for r in staff.rows("Log Arsip")) == sorted(old) and staff.rows("Log") == []

    staff.add_row({"Waktu": "2026-10-01 08:00", "Tiket": old[0], "Kepada": "62813*****000", "Jenis": "manual",
                   "Hasil": "dicatat petugas"}, tab="Log")  # a row staff typed, old by the next run, no ID Pesan
    again = run_due(Office.open(office.settings), at("2026-11-28 09:00"))
    assert again.ran["kebersihan log"] == "0 nomor disamarkan, 1 baris dipindah ke Log Arsip"
    archived = staff.rows("Log Arsip")
    assert sorted(r["Tiket"] for r in archived) == sorted(old + [old[0]])  # each row once, the new one too
    assert [r["Jenis"] for r in archived].count("manual") == 1 and staff.rows("Log") == []


def test_a_crash_while_archiving_loses_no_log_row(settings, staff):
    from pondok_sheets.office import Office

    from .test_flush import Passthrough, ProcessDied

    class DiesWhileArchiving(Passthrough):
        def append(self, tab, rows):
            if tab == "Log Arsip":
                raise ProcessDied
            super().append(tab, rows)

    app = create_app(dataclasses.replace(settings, log_keep_days=30), {"TESTING": True})
    office = app.extensions["pondok"]
    old = submit(office, "SKD", VALID, Channel.FORM, at("2026-09-01 09:00"))
    sync(office, at("2026-09-01 09:00"))
    dying = replace(office, store=DiesWhileArchiving(office.store))
    with pytest.raises(ProcessDied):
        run_due(dying, at("2026-11-27 09:00"))
    assert staff.rows("Log") == []  # deleted from Log, held locally
    run_due(Office.open(office.settings), at("2026-11-28 09:00"))
    assert [r["Tiket"] for r in staff.rows("Log Arsip")] == [old]
