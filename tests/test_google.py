"""What only a Google Sheet can do to us: quotas, errors, hangs, staff moving rows, init-sheet, access."""
from __future__ import annotations

import time
from collections import Counter

import pytest

from pondok_sheets import create_app
from pondok_sheets.config import load_config
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.stores import open_store, prepare_register

from .conftest import VALID, at, google_settings
from .fakes.registers import build_register
from .fakes.sheets_api import FakeSheetsAPI
from .staff import GoogleStaff
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync



@pytest.fixture
def store_kind() -> str:
    """This module is about the Google Sheets store only."""
    return "google"


NAMES = ["Ani", "Budi", "Citra", "Dodi", "Eka"]


@pytest.fixture
def own_api():
    """A fake Sheets API for one test, for faults that must not leak into other tests."""
    with FakeSheetsAPI() as api:
        yield api


def quick(office: Office, timeout: float = 2.0) -> Office:
    """Shorten the retry back-off and time-out so fault tests run in seconds (same code paths)."""
    office.store.google.backoff = 0.01
    office.store.google.set_timeout((timeout, timeout))
    return office


def new_office(api, tmp_path, **overrides) -> tuple[Office, GoogleStaff]:
    settings = google_settings(api, tmp_path, **overrides)
    prepare_register(open_store(settings))
    return Office.open(settings), GoogleStaff(api, settings.sheet_id)


def residents(office: Office, count: int) -> list[str]:
    """Submit requests from `count` different residents; returns their tickets."""
    return [submit(office, "SKD", {**VALID, "nama": NAMES[i], "wa": f"0813-5555-000{i}"}, Channel.FORM)
            for i in range(count)]


def told_to(office: Office) -> dict[str, list[str]]:
    """Ticket -> masked numbers its messages went to."""
    sent: dict[str, list[str]] = {}
    for _, kepada, _, ticket, _ in office.state.outbox.latest(10_000):
        sent.setdefault(ticket, []).append(kepada)
    return sent


# -- budgets -----------------------------------------------------------------------------

def test_an_idle_sync_over_10000_rows_costs_no_sheets_request_and_one_drive_request(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    build_register(sheets_api, settings.sheet_id, 10_000)
    office = Office.open(settings)
    sync(office, at("2026-11-27 09:00"))
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:02"))
    assert report.ok and report.sent == 0
    assert (sheets_api.reads, sheets_api.writes, sheets_api.drive_requests) == (0, 0, 1)


def test_a_full_read_downloads_the_answer_without_google_s_pretty_printing(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    build_register(sheets_api, settings.sheet_id, 1_000)
    sheets_api.reset_counts()
    report = sync(Office.open(settings), at("2026-11-27 09:00"))
    read = next(r for r in sheets_api.requests if r.endpoint == "values.batchGet")
    assert report.ok and read.query.get("prettyPrint") == "false"
    assert read.bytes_out < 110 * 1_000  # ~100 bytes a row; Google's indented default sends ~175


@pytest.mark.parametrize("changes", [1, 100])
def test_k_status_changes_cost_at_most_2_reads_and_3_writes(sheets_api, tmp_path, changes):
    settings = google_settings(sheets_api, tmp_path)
    build_register(sheets_api, settings.sheet_id, 1_000)
    office = Office.open(settings)
    sync(office, at("2026-11-27 09:00"))
    submit(office, "SKD", VALID, Channel.FORM)  # and a new submission in the same cycle
    for row in range(2, 2 + changes):
        sheets_api.set_cell(settings.sheet_id, "Permohonan", row, 9, "Siap Diambil")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:05"))
    assert report.ok and report.sent == changes + 1 and report.flushed == 1
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3


@pytest.mark.parametrize("store_kind", ["google"])
def test_a_read_cut_short_is_read_again_and_one_that_keeps_breaking_is_a_clear_failure(office, sheets_api, staff,
                                                                                      store_kind):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    assert sync(office, at("2026-11-27 09:00")).ok
    staff.set(ticket, "Status", "Diproses")
    sheets_api.truncate_next(1)  # the mobile link drops mid-answer once
    report = sync(office, at("2026-11-27 09:20"))
    assert report.ok and report.sent == 1  # read again within the cycle: nothing lost, nothing waits
    staff.set(ticket, "Status", "Siap Diambil")
    sheets_api.truncate_next(4)  # it keeps dropping: every one of the cycle's 4 tries
    report = sync(office, at("2026-11-27 09:40"))
    assert not report.ok and report.summary().startswith("GAGAL") and report.sent == 0
    assert sync(office, at("2026-11-27 10:00")).sent == 1  # the link is back: the change is announced once


def test_page_views_cost_no_google_request(app, client, office, sheets_api, clock):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sheets_api.reset_counts()
    assert client.get(f"/tiket/{ticket}").status_code == 200  # before the row reaches Google
    clock.moment = at("2026-11-27 09:00")
    sync(office, clock.moment)
    sheets_api.reset_counts()
    for url in ["/", f"/tiket/{ticket}", f"/cek?tiket={ticket.lower()}", "/ajukan/SKD", "/healthz"]:
        assert client.get(url).status_code in (200, 303)
    assert (sheets_api.reads, sheets_api.writes) == (0, 0)


# -- staff moving rows between the service's read and its write -------------------------

@pytest.mark.parametrize("staff_action", ["sort", "insert", "delete", "filter-sort"])
def test_rows_moved_between_read_and_write_still_get_their_own_message(office, staff, sheets_api, staff_action):
    tickets = residents(office, 5)
    staff.add_row({"Nama": "Baris lain", "Catatan": "dihapus nanti"})  # a row staff will delete
    sync(office, at("2026-11-27 09:00"))
    wanted = {tickets[0]: "Diproses", tickets[3]: "Siap Diambil", tickets[4]: "Ditolak"}
    for ticket, status in wanted.items():
        staff.set(ticket, "Status", status)

    reads = []

    def act_as_staff(record):
        if record.kind == "read":
            reads.append(record)
            if len(reads) == 2:  # the service has read; now it re-reads to write: staff act first
                if staff_action == "sort":
                    staff.sort("Nama", reverse=True)
                elif staff_action == "insert":
                    staff.insert_row(2, {"Nama": "Sisipan", "Catatan": "baris baru di atas"})
                elif staff_action == "delete":
                    row = next(i for i, r in enumerate(staff.rows(), start=2) if r["Nama"] == "Baris lain")
                    staff.delete_row(row)
                else:
                    staff.sort("Status")
                    staff.insert_row(3)

    sheets_api.before_request(act_as_staff)
    try:
        report = sync(office, at("2026-11-27 10:00"))
    finally:
        sheets_api.before_request(None)
    assert report.ok and report.unplaced == 0
    for i, ticket in enumerate(tickets):
        row = staff.row(ticket)
        assert row["Nama"] == NAMES[i]
        expected = wanted.get(ticket, "Baru")
        assert row["Status"] == expected
        assert row["Notifikasi"].startswith(f"{expected} · dikabari")
        assert set(told_to(office)[ticket]) == {f"62813*****00{i}"}  # only ever this resident's number
    assert [len(told_to(office)[t]) for t in tickets] == [2, 1, 1, 2, 2]


def test_staff_editing_the_status_column_while_the_service_writes_never_shifts_a_cell(office, staff, sheets_api):
    tickets = residents(office, 3)
    sync(office, at("2026-11-27 09:00"))
    staff.set(tickets[1], "Status", "Diproses")
    sheets_api.before_request(lambda r: r.endpoint == "values.batchUpdate" and staff.set(tickets[2], "Catatan", "x"))
    try:
        sync(office, at("2026-11-27 09:05"))
    finally:
        sheets_api.before_request(None)
    assert staff.row(tickets[1])["Notifikasi"].startswith("Diproses · dikabari")
    assert staff.row(tickets[2])["Notifikasi"].startswith("Baru · dikabari")
    assert staff.row(tickets[2])["Catatan"] == "x"


def test_a_blank_row_and_a_ticket_retyped_in_small_letters_still_get_the_right_row(office, staff, sheets_api):
    tickets = residents(office, 3)
    sync(office, at("2026-11-27 09:00"))
    typed = tickets[2].lower()
    staff.set(tickets[2], "Tiket", typed)  # staff retyped it; Sheets keeps what they typed
    staff.set(typed, "Status", "Diproses")
    staff.insert_row(3)  # an empty row between the first two requests
    report = sync(office, at("2026-11-27 09:05"))
    assert report.ok and report.unplaced == 0 and report.sent == 1
    assert staff.row(typed)["Notifikasi"].startswith("Diproses · dikabari")
    assert [staff.row(t)["Notifikasi"] for t in tickets[:2]] == ["Baru · dikabari 2026-11-27 09:00"] * 2
    assert told_to(office)[tickets[2]] == ["62813*****002"] * 2
    assert sheets_api.values(staff.id, "Permohonan")[2] == []  # the blank row stays blank


# -- headers staff renamed, removed or moved ---------------------------------------------

def test_a_renamed_header_stops_the_sync_with_its_name_and_writes_nothing(office, staff, sheets_api, runner):
    submit(office, "SKD", VALID, Channel.FORM)
    staff.rename_header("Notifikasi", "Sudah dikabari")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:00"))
    assert not report.ok and "Kolom 'Notifikasi' tidak ditemukan di tab Permohonan" in report.error
    assert "python main.py init-sheet" in report.error
    assert sheets_api.writes == 0 and office.state.outbox.latest() == []
    result = runner.invoke(["init-sheet"])
    assert "Kolom 'Notifikasi' ditambahkan di tab Permohonan." in result.output
    assert sync(office, at("2026-11-27 09:05")).ok


def test_reordered_hidden_and_extra_columns_are_read_by_their_header(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    headers = ["Catatan Staf", "status ", "TIKET", "Nama", "WhatsApp", "Layanan", "NIK", "Masuk", "Saluran",
               "Keterangan", "Catatan", "Diperbarui", "notifikasi"]
    row = ["jangan diubah", "Diproses", "PDK-ABCDEFG", "Ani", "0813-5555-0000", "SKD", "", "2026-11-01 08:00",
           "Loket", "", "", "", "Baru · dikabari 2026-11-01 08:00"]
    sheets_api.create_spreadsheet(settings.sheet_id, {"Permohonan": [headers, row]})
    prepare_register(open_store(settings))
    office = Office.open(settings)
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.sent == 1
    staff = GoogleStaff(sheets_api, settings.sheet_id)
    (got,) = staff.rows()
    assert got["Catatan Staf"] == "jangan diubah" and got["notifikasi"] == "Diproses · dikabari 2026-11-27 09:00"
    assert got["Diperbarui"] == "2026-11-27 09:00" and got["status "] == "Diproses"


# -- Google failing ----------------------------------------------------------------------

def test_500_submissions_land_exactly_once_with_30_percent_of_requests_failing(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    quick(office)
    tickets = [submit(office, "SKD", {**VALID, "keterangan": str(i)}, Channel.FORM) for i in range(500)]
    own_api.fail_randomly(0.3, statuses=(429, 500, 503), seed=7)
    failed_cycles = sum(not sync(office, at(f"2026-11-27 09:{m:02d}")).ok for m in range(20))
    own_api.fail_randomly(0)
    assert sync(office, at("2026-11-27 10:00")).ok
    assert failed_cycles > 0  # the faults really hit
    landed = Counter(r["Tiket"] for r in staff.rows())
    assert set(landed) == set(tickets) and set(landed.values()) == {1}
    assert Counter(t for _, _, _, t, _ in office.state.outbox.latest(10_000)) == Counter(tickets)  # one message each
    assert all(r["Notifikasi"].startswith("Baru · dikabari") for r in staff.rows())
    assert len(staff.rows("Log")) == 500


def test_an_append_that_landed_although_google_timed_out_is_not_appended_again(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    quick(office, timeout=1.0)
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 08:59"))  # warm up the token
    ticket = submit(office, "SKTM", VALID, Channel.FORM)
    own_api.hang_next(1, seconds=5, after=True, kinds=("write",))  # the first write: the cell update
    first = sync(office, at("2026-11-27 09:00"))
    assert not first.ok and "tidak menjawab" in first.error
    assert sync(office, at("2026-11-27 09:02")).ok
    assert [r["Tiket"] for r in staff.rows()].count(ticket) == 1


def test_an_endless_hang_is_cut_by_the_timeout_and_the_work_stays_queued(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    quick(office, timeout=1.0)
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    own_api.hang_next(100, seconds=3600)
    start = time.monotonic()
    report = sync(office, at("2026-11-27 09:00"))
    assert time.monotonic() - start < 15
    assert not report.ok and report.error == ("Google Sheets tidak menjawab tepat waktu; pekerjaan tetap antre "
                                              "dan dicoba lagi.")
    assert [q.ticket for q in office.state.queue.pending()] == [ticket]


def test_a_quota_error_is_retried_within_the_cycle(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    quick(office)
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    own_api.fail_next(2, status=429)
    assert sync(office, at("2026-11-27 09:00")).ok
    assert staff.row(ticket)["Status"] == "Baru"


def test_retries_are_bounded_when_google_keeps_failing(own_api, tmp_path):
    office, staff = new_office(own_api, tmp_path)
    quick(office)
    submit(office, "SKD", VALID, Channel.FORM)
    own_api.reset_counts()
    own_api.fail_next(1000, status=503)
    report = sync(office, at("2026-11-27 09:00"))
    own_api.fail_next(0)
    assert not report.ok and "Google Sheets sedang bermasalah (503)" in report.error
    assert own_api.reads == 4  # one read, tried four times, then the cycle gives up


# -- values residents typed --------------------------------------------------------------

def test_a_formula_typed_as_a_name_is_stored_as_text(office, staff, sheets_api, settings):
    ticket = submit(office, "SKD", {**VALID, "nama": '=HYPERLINK("http://x","y")'}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    row = next(i for i, r in enumerate(staff.rows(), start=2) if r["Tiket"] == ticket)
    column = staff.headers().index("Nama") + 1
    assert sheets_api.raw_cell(settings.sheet_id, "Permohonan", row, column) == '\'=HYPERLINK("http://x","y")'
    writes = [r for r in sheets_api.requests if r.endpoint in ("values.append", "values.batchUpdate")]
    assert writes and all((r.query.get("valueInputOption") or r.json.get("valueInputOption")) == "RAW"
                          for r in writes)


def test_numbers_staff_typed_as_numbers_still_reach_the_resident(office, staff):
    staff.add_row({"Nama": "Pak Darto", "WhatsApp": "081311112222", "NIK": "3201010101700001",
                   "Layanan": "SKCK"})  # Sheets turns both into numbers and drops the leading zero
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.sent == 1
    (row,) = staff.rows()
    assert row["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"


# -- init-sheet, doctor and access -------------------------------------------------------

def test_init_sheet_prepares_an_empty_spreadsheet_and_a_second_run_writes_nothing(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    app = create_app(settings)
    runner = app.test_cli_runner()
    from pondok_sheets.cli import cli

    result = runner.invoke(cli, ["init-sheet"])
    assert result.exit_code == 0, result.output
    for line in ["Tab Permohonan dibuat.", "Tab Log dibuat.", "Pilihan Status (dropdown) dipasang",
                 "Warna baris menurut Status dipasang", "Kolom Tiket dilindungi", "Kolom Notifikasi dilindungi",
                 "Tab Layanan diisi 8 layanan bawaan.", "Tab Pesan diisi kalimat pesan bawaan"]:
        assert line in result.output
    sid = settings.sheet_id
    assert sheets_api.sheet_properties(sid, "Permohonan")["gridProperties"]["frozenRowCount"] == 1
    rule = sheets_api.data_validation(sid, "Permohonan", 5, 9)
    assert rule["strict"] is True and [v["userEnteredValue"] for v in rule["condition"]["values"]] == [
        "Baru", "Diproses", "Perlu Dilengkapi", "Siap Diambil", "Selesai", "Ditolak"]
    assert len(sheets_api.conditional_formats(sid, "Permohonan")) == 6
    protected = sheets_api.protected_ranges(sid, "Permohonan")
    assert len(protected) == 2 and all(p["warningOnly"] for p in protected)
    assert len(GoogleStaff(sheets_api, sid).rows("Layanan")) == 8

    sheets_api.reset_counts()
    result = runner.invoke(cli, ["init-sheet"])
    assert result.exit_code == 0 and "tidak ada yang perlu diubah" in result.output
    assert sheets_api.writes == 0


def test_init_sheet_keeps_staff_data_and_columns_and_adds_only_what_is_missing(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    sheets_api.create_spreadsheet(settings.sheet_id, {
        "Permohonan": [["Tiket", "Nama", "Status", "Kolom Staf"], ["PDK-ABCDEFG", "Ani", "Diproses", "punya staf"]],
        "Layanan": [["Kode", "Layanan"], ["SKD", "Domisili"]]})
    done = prepare_register(open_store(settings))
    assert "Tab Layanan diisi 8 layanan bawaan." not in done and "Kolom 'Masuk' ditambahkan di tab Permohonan." in done
    staff = GoogleStaff(sheets_api, settings.sheet_id)
    assert staff.headers()[:4] == ["Tiket", "Nama", "Status", "Kolom Staf"]
    assert staff.rows()[0]["Kolom Staf"] == "punya staf" and staff.rows()[0]["Status"] == "Diproses"
    assert [r["Kode"] for r in staff.rows("Layanan")] == ["SKD"]
    assert len(staff.rows("Pesan")) == 6


def test_access_denied_tells_whom_to_share_the_sheet_with(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    app = create_app(settings)
    from pondok_sheets.cli import cli

    sheets_api.deny_access(True)
    try:
        result = app.test_cli_runner().invoke(cli, ["init-sheet"])
        doctor = app.test_cli_runner().invoke(cli, ["doctor"])
    finally:
        sheets_api.deny_access(False)
    assert result.exit_code == 1
    assert "Bagikan sheet ke pondok@desa-pondok.iam.gserviceaccount.com sebagai Editor" in result.output
    assert doctor.exit_code == 1 and "[MASALAH] Akses ke Google Sheet ditolak" in doctor.output


def test_doctor_passes_on_a_prepared_sheet_and_names_a_missing_header(sheets_api, tmp_path, runner, staff):
    result = runner.invoke(["doctor"])
    assert result.exit_code == 0, result.output
    assert "[OK] Kunci akun layanan terbaca: pondok@desa-pondok.iam.gserviceaccount.com." in result.output
    assert "[OK] Tab Permohonan: semua kolom ada." in result.output
    staff.rename_header("Tiket", "No")
    result = runner.invoke(["doctor"])
    assert result.exit_code == 1 and "[MASALAH] Kolom 'Tiket' tidak ditemukan di tab Permohonan" in result.output


def test_doctor_says_whether_the_drive_change_check_is_available(sheets_api, runner):
    assert "[OK] Google Drive API aktif" in runner.invoke(["doctor"]).output
    sheets_api.drive_enabled = False
    try:
        result = runner.invoke(["doctor"])
    finally:
        sheets_api.drive_enabled = True
    assert result.exit_code == 0, result.output  # a warning: syncs still work, reading in full
    assert "[PERINGATAN] Pemeriksaan perubahan lewat Google Drive tidak tersedia: Google Drive API belum " \
           "diaktifkan" in result.output


def test_a_missing_key_file_is_explained(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path, google_credentials=str(tmp_path / "tidak-ada.json"))
    office = Office.open(settings)
    report = sync(office, at("2026-11-27 09:00"))
    assert not report.ok and "File kunci akun layanan" in report.error and "tidak ditemukan" in report.error


def test_credentials_can_come_from_an_environment_variable_holding_the_json(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    key = (tmp_path / "credentials.json").read_text()
    env = {"PONDOK_SHEET_ID": f"https://docs.google.com/spreadsheets/d/{settings.sheet_id}/edit#gid=0",
           "PONDOK_GOOGLE_CREDENTIALS_JSON": key, "PONDOK_SHEETS_API_URL": sheets_api.base_url,
           "PONDOK_DATA_DIR": str(tmp_path / "data2")}
    loaded = load_config(env, env_file=None)
    assert loaded.sheet_id == settings.sheet_id
    prepare_register(open_store(loaded))
    assert sync(Office.open(loaded), at("2026-11-27 09:00")).ok


def test_google_application_credentials_is_honoured(tmp_path):
    loaded = load_config({"GOOGLE_APPLICATION_CREDENTIALS": "/srv/kunci.json"}, env_file=None)
    assert loaded.google_credentials == "/srv/kunci.json"
    loaded = load_config({}, env_file=None)
    assert loaded.google_credentials == "credentials.json"


def test_a_sheet_id_that_is_neither_key_nor_url_is_refused():
    from pondok_sheets.config import ConfigError

    with pytest.raises(ConfigError, match="PONDOK_SHEET_ID harus kunci Google Sheet atau URL"):
        load_config({"PONDOK_SHEET_ID": "lembar saya"}, env_file=None)



def test_installing_on_an_existing_sheet_messages_no_one_from_its_history(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    sheets_api.create_spreadsheet(settings.sheet_id, {"Permohonan": [
        ["Tiket", "Nama", "WhatsApp", "Layanan", "Status", "Catatan"],
        ["", "Ani", "0813-5555-0000", "SKD", "Selesai", ""],
        ["", "Budi", "0813-5555-0001", "SKTM", "Diproses", ""],
        ["", "Citra", "0813-5555-0002", "SKU", "", "belum diperiksa"]]})
    done = prepare_register(open_store(settings))
    assert "3 baris lama ditandai 'data lama, tidak dikabari' agar pemohon lama tidak dikirimi pesan." in done
    office = Office.open(settings)
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.sent == 0 and report.walkins == 3
    staff = GoogleStaff(sheets_api, settings.sheet_id)
    assert all(r["Tiket"].startswith("PDK-") for r in staff.rows())
    citra = next(r for r in staff.rows() if r["Nama"] == "Citra")
    assert (citra["Status"], citra["Notifikasi"]) == ("Baru", "Baru · data lama, tidak dikabari")
    staff.set(citra["Tiket"], "Status", "Siap Diambil")
    assert sync(office, at("2026-11-27 09:05")).sent == 1  # from now on, changes are told
    assert not any("baris lama" in line for line in prepare_register(open_store(settings)))  # only once
