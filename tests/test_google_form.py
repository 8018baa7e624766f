"""A Google Form linked to the register: responses imported exactly once, whatever staff and Google do."""
from __future__ import annotations

from dataclasses import replace

import dataclasses
import io
from collections import Counter
from datetime import datetime

import pytest
import zxingcpp
from PIL import Image

from pondok_sheets import create_app
from pondok_sheets.cli import cli
from pondok_sheets.flow.jobs import run_due
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.stores import open_store, prepare_register

from .conftest import at, google_settings
from .fakes.sheets_api import DateTimeValue, Formula
from .staff import GoogleStaff
from .test_flush import Passthrough, ProcessDied
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync

ENGLISH = ["Timestamp", "Nama lengkap", "NIK", "Nomor WhatsApp", "Jenis surat", "Keperluan"]
INDONESIAN = ["Cap waktu", "Nama Pemohon (sesuai KTP)", "NIK *", "No. HP", "Layanan", "Keterangan"]
TAB = "Form Responses 1"


@pytest.fixture
def store_kind() -> str:
    return "google"


def stamp(text: str) -> DateTimeValue:
    """A timestamp as Google Forms writes it: a serial number with a date-time format."""
    moment = datetime.fromisoformat(text)
    serial = (moment - datetime(1899, 12, 30)).total_seconds() / 86400
    return DateTimeValue(serial, moment.strftime("%d/%m/%Y %H:%M:%S"))


def response(when: str, name: str, wa: str = "0813-5555-0000", nik: str = "3201014507900001",
             service: str = "Surat Keterangan Domisili", details: str = "Melamar kerja") -> list:
    return [stamp(when), name, nik, wa, service, details]


def linked_office(api, tmp_path, headers=ENGLISH, rows=(), **overrides) -> tuple[Office, GoogleStaff, str]:
    """A register with a linked form's responses tab, prepared by init-sheet."""
    settings = google_settings(api, tmp_path, **overrides)
    api.add_tab(settings.sheet_id, TAB, [headers])
    app = create_app(settings, {"TESTING": True})
    result = app.test_cli_runner().invoke(cli, ["init-sheet"])
    assert result.exit_code == 0 and f"Tab jawaban Google Form ditemukan: {TAB}." in result.output, result.output
    for row in rows:
        add_response(api, settings.sheet_id, row)
    return app.extensions["pondok"], GoogleStaff(api, settings.sheet_id), settings.sheet_id


def add_response(api, sheet_id: str, row: list) -> None:
    """Google Forms writes a new response into the row below the last one, as typed into its cells
    (so a column init-sheet made Plain text keeps a NIK's 16 digits)."""
    at = len(api.values(sheet_id, TAB)) + 1
    for column, value in enumerate(row, start=1):
        api.set_cell(sheet_id, TAB, at, column, value)


def form_rows(staff) -> list[dict]:
    return [r for r in staff.rows() if r["Saluran"] == "Google Form"]


def test_a_response_is_imported_once_with_its_timestamp_and_confirmed(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:15:42", "Ani")])
    report = sync(office, at("2026-11-27 09:20"))
    assert report.ok and report.flushed == 1 and report.sent == 1
    (row,) = form_rows(staff)
    assert (row["Masuk"], row["Nama"], row["Status"]) == ("2026-11-27 09:15", "Ani", "Baru")
    assert row["Layanan"] == "Surat Keterangan Domisili" and row["Keterangan"] == "Melamar kerja"
    assert staff.rows(TAB)[0]["Tiket"] == row["Tiket"]
    assert [t for _, _, _, t, _ in office.state.outbox.latest()] == [row["Tiket"]]
    for minute in ("09:25", "09:30"):
        sync(office, at(f"2026-11-27 {minute}"))
    assert len(form_rows(staff)) == 1 and len(office.state.outbox.latest()) == 1


def test_indonesian_headers_and_the_offices_own_titles_are_understood(sheets_api, tmp_path):
    rows = [["", "Budi", "3201010203850002", "081234567890", "SKTM", "Beasiswa"]]
    rows[0][0] = stamp("2026-11-27 10:00:00")
    office, staff, _ = linked_office(sheets_api, tmp_path, headers=INDONESIAN, rows=rows,
                                     form_fields={"nama": ("Nama Pemohon (sesuai KTP)",)})
    assert sync(office, at("2026-11-27 10:05")).flushed == 1
    (row,) = form_rows(staff)
    assert (row["Nama"], row["NIK"], row["WhatsApp"]) == ("Budi", "3201010203850002", "0812-3456-7890")
    assert row["Layanan"] == "Surat Keterangan Tidak Mampu (SKTM)" and row["Keterangan"] == "Beasiswa"


def test_sorting_deleting_and_blank_rows_between_syncs_import_each_response_exactly_once(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[
        response("2026-11-27 08:00:00", "Ani"), response("2026-11-27 08:10:00", "Budi", wa="0813-5555-0001"),
        response("2026-11-27 08:20:00", "Citra", wa="0813-5555-0002")])
    sync(office, at("2026-11-27 08:30"))
    sheets_api.sort_rows(sid, TAB, 2, reverse=True)  # staff sort by name, Z→A
    sheets_api.delete_row(sid, TAB, 3)  # and delete one response
    sheets_api.insert_row(sid, TAB, 2)  # and leave a blank row at the top
    add_response(sheets_api, sid, response("2026-11-27 08:40:00", "Dodi", wa="0813-5555-0003"))
    add_response(sheets_api, sid, response("2026-11-27 08:41:00", "Eka", wa="0813-5555-0004"))
    sync(office, at("2026-11-27 08:45"))
    sync(office, at("2026-11-27 08:50"))
    names = Counter(r["Nama"] for r in form_rows(staff))
    assert names == Counter({"Ani": 1, "Budi": 1, "Citra": 1, "Dodi": 1, "Eka": 1})
    tickets = {r["Nama"]: r["Tiket"] for r in form_rows(staff)}
    for answer in staff.rows(TAB):
        if answer["Nama lengkap"]:
            assert answer["Tiket"] == tickets[answer["Nama lengkap"]]


def test_a_response_arriving_during_a_sync_is_imported_by_the_next_one(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])
    reads = []

    def google_forms_writes(record):
        if record.kind == "read":
            reads.append(record)
            if len(reads) == 2:  # between the service's read and its write
                add_response(sheets_api, sid, response("2026-11-27 09:01:00", "Budi", wa="0813-5555-0001"))

    sheets_api.before_request(google_forms_writes)
    try:
        sync(office, at("2026-11-27 09:01"))
    finally:
        sheets_api.before_request(None)
    assert [r["Nama"] for r in form_rows(staff)] == ["Ani"]
    assert {r["Nama lengkap"]: bool(r["Tiket"]) for r in staff.rows(TAB)} == {"Ani": True, "Budi": False}
    sync(office, at("2026-11-27 09:03"))
    assert sorted(r["Nama"] for r in form_rows(staff)) == ["Ani", "Budi"]


def test_invalid_responses_are_imported_for_staff_to_follow_up(sheets_api, tmp_path):
    office, staff, _ = linked_office(sheets_api, tmp_path, rows=[
        response("2026-11-27 09:00:00", "Ani", nik="12345"),
        response("2026-11-27 09:01:00", "Budi", wa="021-7654321"),
        response("2026-11-27 09:02:00", "Citra", service="Surat Izin Keramaian", wa="0813-5555-0002")])
    report = sync(office, at("2026-11-27 09:05"))
    assert report.ok and report.flushed == 3
    rows = {r["Nama"]: r for r in form_rows(staff)}
    assert all(r["Status"] == "Perlu Dilengkapi" for r in rows.values())
    assert "NIK harus 16 angka" in rows["Ani"]["Catatan"]
    assert "Nomor WhatsApp harus nomor HP Indonesia" in rows["Budi"]["Catatan"]
    assert "Layanan ini tidak tersedia" in rows["Citra"]["Catatan"] and rows["Citra"]["Layanan"] == "Surat Izin Keramaian"
    assert rows["Budi"]["Notifikasi"] == "Perlu Dilengkapi · tidak terkirim: nomor WA tidak valid"
    told = {t: text for _, _, _, t, text in office.state.outbox.latest()}
    assert "perlu dilengkapi" in told[rows["Ani"]["Tiket"]] and "NIK harus 16 angka" in told[rows["Ani"]["Tiket"]]


def test_a_crash_before_the_ticket_is_written_back_never_imports_twice(sheets_api, tmp_path):
    office, staff, _ = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])

    class DiesBeforeWriting(Passthrough):
        def update_many(self, writes):
            raise ProcessDied

    dying = replace(office, store=DiesBeforeWriting(office.store))
    with pytest.raises(ProcessDied):
        sync(dying, at("2026-11-27 09:01"))
    restarted = Office.open(office.settings)
    sync(restarted, at("2026-11-27 09:03"))
    sync(restarted, at("2026-11-27 09:05"))
    assert [r["Nama"] for r in form_rows(staff)] == ["Ani"]
    assert staff.rows(TAB)[0]["Tiket"] == form_rows(staff)[0]["Tiket"]


def test_lost_local_state_after_the_append_recognises_the_response(sheets_api, tmp_path):
    office, staff, _ = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])

    class DiesAfterAppend(Passthrough):
        def update_many(self, writes):
            return []  # the ticket write-back is lost

    sync(replace(office, store=DiesAfterAppend(office.store)), 
        at("2026-11-27 09:01"))
    assert staff.rows(TAB)[0]["Tiket"] == "" and len(form_rows(staff)) == 1
    for path in office.settings.data_dir.glob("state.sqlite3*"):
        path.unlink()  # a free host's redeploy
    fresh = Office.open(office.settings)
    ran = run_due(fresh, at("2026-11-27 09:05")).ran  # the tick finds the responses tab again, then syncs
    assert ran["google form"] == f"tab jawaban: {TAB}" and ran["sinkron"].startswith("0 permohonan baru")
    assert len(form_rows(staff)) == 1 and staff.rows(TAB)[0]["Tiket"] == form_rows(staff)[0]["Tiket"]


def test_a_sync_with_the_responses_tab_reads_at_most_twice(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])
    sync(office, at("2026-11-27 09:01"))
    add_response(sheets_api, sid, response("2026-11-27 09:02:00", "Budi", wa="0813-5555-0001"))
    staff.set(form_rows(staff)[0]["Tiket"], "Status", "Diproses")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:10"))
    assert report.ok and report.flushed == 1 and report.sent == 2
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3
    sheets_api.reset_counts()
    sync(office, at("2026-11-27 09:15"))
    assert (sheets_api.reads, sheets_api.writes) == (0, 0)  # idle: Drive says nothing changed (issue 16)


def test_a_deleted_responses_tab_is_forgotten_without_stopping_the_sync(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])
    sync(office, at("2026-11-27 09:01"))
    sheets_api.delete_tab(sid, TAB)
    assert sync(office, at("2026-11-27 09:05")).ok
    assert office.state.meta.get("form_tab") == ""


def test_a_formulir_url_points_the_qr_code_and_poster_at_the_prefilled_google_form(sheets_api, tmp_path, runner):
    office, staff, sid = linked_office(sheets_api, tmp_path)
    form = "https://docs.google.com/forms/d/e/1FAIpQLSdX/viewform?usp=pp_url&entry.1093582131="
    staff.set_where("Layanan", "Kode", "SKD", "Formulir", form)
    sync(office, at("2026-11-27 09:00"))
    app = create_app(office.settings, {"TESTING": True})
    png = app.test_client().get("/qr/SKD.png").data
    expected = form + "Surat%20Keterangan%20Domisili"
    assert {c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))} == {expected}
    out = tmp_path / "poster.png"
    assert app.test_cli_runner().invoke(cli, ["poster", "--out", str(out)]).exit_code == 0
    texts = {c.text for c in zxingcpp.read_barcodes(Image.open(out))}
    assert expected in texts and "https://layanan.desapondok.id/ajukan/SKTM" in texts


def test_doctor_points_out_a_form_without_the_ticket_column(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    sheets_api.add_tab(settings.sheet_id, TAB, [ENGLISH])
    app = create_app(dataclasses.replace(settings), {"TESTING": True})
    result = app.test_cli_runner().invoke(cli, ["doctor"])
    assert result.exit_code == 1 and f"[MASALAH] Kolom 'Tiket' belum ada di tab {TAB}." in result.output


def test_a_responses_tab_deleted_between_syncs_does_not_stop_the_writes(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani")])
    sync(office, at("2026-11-27 09:01"))
    sheets_api.delete_tab(sid, TAB)
    ticket = submit(office, "SKD", {"nama": "Budi", "nik": "3201010203850002", "wa": "0813-5555-0001",
                                   "keterangan": "", "setuju": "ya"}, Channel.FORM)
    staff.set(form_rows(staff)[0]["Tiket"], "Status", "Diproses")
    report = sync(office, at("2026-11-27 09:10"))
    assert report.ok and report.flushed == 1 and report.sent == 2
    assert staff.row(ticket)["Notifikasi"].startswith("Baru · dikabari")


# -- real forms, real hands (issue 13) ------------------------------------------------------

CONSENT = ["Timestamp", "Nama lengkap", "NIK", "Nomor WhatsApp", "Jenis surat", "Keperluan", "Persetujuan"]


@pytest.mark.parametrize("answer", ["Saya setuju", "Ya, saya menyetujui data saya dipakai untuk permohonan ini",
                                    "Saya setuju, Saya sudah membaca pemberitahuan"])
def test_a_ticked_consent_label_counts_as_consent(sheets_api, tmp_path, answer):
    row = response("2026-11-27 09:00:00", "Ani") + [answer]
    office, staff, _ = linked_office(sheets_api, tmp_path, headers=CONSENT, rows=[row])
    sync(office, at("2026-11-27 09:05"))
    (imported,) = form_rows(staff)
    assert imported["Status"] == "Baru" and imported["Catatan"] == ""


def test_a_refusal_label_is_not_consent(sheets_api, tmp_path):
    row = response("2026-11-27 09:00:00", "Ani") + ["Saya tidak setuju"]
    office, staff, _ = linked_office(sheets_api, tmp_path, headers=CONSENT, rows=[row])
    sync(office, at("2026-11-27 09:05"))
    (imported,) = form_rows(staff)
    assert imported["Status"] == "Perlu Dilengkapi" and "persetujuan" in imported["Catatan"]


@pytest.mark.parametrize("nik", [3201014507900001, 9101234567890123, "3,20101E+15", "3.201014507900001E15"])
def test_a_nik_sheets_turned_into_a_number_is_never_accepted_and_the_reason_names_sheets(sheets_api, tmp_path, nik):
    office, staff, _ = linked_office(sheets_api, tmp_path, rows=[response("2026-11-27 09:00:00", "Ani", nik=nik)])
    sync(office, at("2026-11-27 09:05"))
    (imported,) = form_rows(staff)
    assert imported["Status"] == "Perlu Dilengkapi"
    assert "Google Sheets menyimpannya sebagai angka (bukan kesalahan pemohon)" in imported["Catatan"]
    assert "NIK harus 16 angka" not in imported["Catatan"]
    assert imported["NIK"] != "9101234567890123"  # the digits Sheets changed are never passed off as true


def test_a_plus_phone_that_sheets_made_an_error_and_two_ticked_services_are_explained(sheets_api, tmp_path):
    error_cell = Formula("=+62 812-3456-7890", value="#ERROR!")
    office, staff, _ = linked_office(sheets_api, tmp_path, rows=[
        response("2026-11-27 09:00:00", "Ani", wa=error_cell),
        response("2026-11-27 09:01:00", "Budi", wa="0813-5555-0001",
                 service="Surat Keterangan Domisili, Surat Keterangan Usaha")])
    sync(office, at("2026-11-27 09:05"))
    rows = {r["Nama"]: r for r in form_rows(staff)}
    assert "terbaca #ERROR! karena jawaban yang diawali '+' dianggap rumus" in rows["Ani"]["Catatan"]
    assert "Nomor WhatsApp harus nomor HP" not in rows["Ani"]["Catatan"]
    assert ("mencentang 2 layanan sekaligus (Surat Keterangan Domisili, Surat Keterangan Usaha)"
            in rows["Budi"]["Catatan"])
    assert rows["Budi"]["Status"] == "Perlu Dilengkapi"


def test_init_sheet_makes_nik_whatsapp_and_tiket_plain_text_in_both_tabs_once(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path)
    for tab, headers in (("Permohonan", ("Tiket", "NIK", "WhatsApp")), (TAB, ("Tiket", "NIK", "Nomor WhatsApp"))):
        for header in headers:
            column = staff.headers(tab).index(header) + 1
            assert sheets_api.number_format(sid, tab, 2, column) == "TEXT", (tab, header)
        assert sheets_api.number_format(sid, tab, 2, staff.headers(tab).index("Nama" if tab == "Permohonan"
                                                                               else "Nama lengkap") + 1) is None
    sheets_api.reset_counts()
    again = create_app(office.settings, {"TESTING": True}).test_cli_runner().invoke(cli, ["init-sheet"])
    assert "Teks biasa" not in again.output and sheets_api.writes == 0
    # A NIK typed by staff or a response written in now stays exactly as typed.
    staff.add_row({"Nama": "Citra", "NIK": "9101234567890123", "WhatsApp": "081234567890", "Layanan": "SKD"})
    (walkin,) = [r for r in staff.rows() if r["Nama"] == "Citra"]
    assert (walkin["NIK"], walkin["WhatsApp"]) == ("9101234567890123", "081234567890")


def test_a_walkin_nik_that_sheets_made_a_number_is_reported_in_notifikasi(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    app = create_app(settings, {"TESTING": True})
    office = app.extensions["pondok"]
    staff = GoogleStaff(sheets_api, settings.sheet_id)
    # Typed where the column is not Plain text (an old row, a column staff re-formatted): a double.
    staff.add_row({"Nama": "Dodi", "NIK": 9101234567890123, "WhatsApp": "0813-5555-0009", "Layanan": "SKD"})
    sync(office, at("2026-11-27 09:00"))
    (row,) = [r for r in staff.rows() if r["Nama"] == "Dodi"]
    assert row["Tiket"] and row["Notifikasi"].startswith("Baru · dikabari")
    assert "Google Sheets menyimpannya sebagai angka" in row["Notifikasi"]
    sheets_api.reset_counts()
    sync(office, at("2026-11-27 09:10"))
    assert sheets_api.writes == 0  # said once


TITLES = ["Timestamp", "Nama Lengkap Sesuai KTP", "Nomor Induk Kependudukan (NIK)", "No. HP/WA",
          "Surat yang dibutuhkan", "Keperluan"]


@pytest.mark.parametrize("wa_title", ["No. HP/WA", "WA", "Nomor HP (WhatsApp)"])
def test_common_indonesian_question_titles_are_understood(sheets_api, tmp_path, wa_title):
    headers = TITLES[:3] + [wa_title] + TITLES[4:]
    office, staff, _ = linked_office(sheets_api, tmp_path, headers=headers,
                                     rows=[response("2026-11-27 09:00:00", "Ani")])
    sync(office, at("2026-11-27 09:05"))
    (row,) = form_rows(staff)
    assert (row["Nama"], row["NIK"], row["WhatsApp"], row["Status"]) == ("Ani", "3201014507900001",
                                                                         "0813-5555-0000", "Baru")
    assert row["Layanan"] == "Surat Keterangan Domisili"


def test_doctor_names_every_required_question_the_form_lacks_nik_included(sheets_api, tmp_path):
    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    sheets_api.add_tab(settings.sheet_id, TAB, [["Timestamp", "Nama", "Alamat rumah", "Tiket"]])
    result = create_app(settings, {"TESTING": True}).test_cli_runner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("[MASALAH] Tidak ada pertanyaan")]
    assert [p.split(" untuk ")[1].split(" di tab")[0] for p in problems] == ["NIK", "nomor WhatsApp", "layanan"]


def test_a_formula_answer_to_layanan_lands_as_text(sheets_api, tmp_path):
    office, staff, sid = linked_office(sheets_api, tmp_path, rows=[
        response("2026-11-27 09:00:00", "Ani", service="@Surat Keterangan Domisili")])
    sync(office, at("2026-11-27 09:05"))
    (row,) = form_rows(staff)
    column = staff.headers().index("Layanan") + 1
    stored = sheets_api.raw_cell(sid, "Permohonan", 2, column)
    assert stored == "'@Surat Keterangan Domisili" and row["Status"] == "Perlu Dilengkapi"
