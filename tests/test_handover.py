"""Handover: the set-up wizard, the monthly report, and guides that say what the software does."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pondok_sheets import create_app
from pondok_sheets.cli import cli
from pondok_sheets.config import load_config
from pondok_sheets.register.model import Channel

from .conftest import VALID, at
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync


@pytest.fixture
def store_kind() -> str:
    return "local"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh working folder, with no PONDOK_* from the outside."""
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("PONDOK_"):
            monkeypatch.delenv(name)
    return tmp_path


def wizard(answers: list[str], *flags: str):
    return CliRunner().invoke(cli, ["setup", *flags], input="\n".join(answers) + "\n")


def env_of(path) -> dict[str, str]:
    from dotenv import dotenv_values

    return dict(dotenv_values(path))


# -- the wizard -----------------------------------------------------------------------------

def test_the_wizard_asks_one_question_at_a_time_and_re_asks_a_wrong_answer(folder):
    result = wizard(["Sukamaju", "", "links", "0812-3456-789X, 021-555", "0812 1111 2222, 0813 3333 4444",
                     "https://layanan.sukamaju.desa.id", "", "0812 9999 0000"])
    assert result.exit_code == 0, result.output
    assert "Harus nomor HP Indonesia dipisah koma" in result.output and "Coba lagi." in result.output
    env = env_of(folder / ".env")
    assert env["PONDOK_VILLAGE"] == "Sukamaju" and env["PONDOK_WA_PROVIDER"] == "links"
    assert env["PONDOK_STAFF_WA"] == "0812 1111 2222, 0813 3333 4444"
    assert env["PONDOK_PUBLIC_URL"] == "https://layanan.sukamaju.desa.id"
    assert len(env["PONDOK_SECRET_KEY"]) >= 40 and len(env["PONDOK_TASK_TOKEN"]) >= 40
    assert env["PONDOK_SECRET_KEY"] not in result.output and env["PONDOK_TASK_TOKEN"] not in result.output
    assert "PONDOK_SHEET_ID" not in env  # stays on the local register
    assert "Menyiapkan register (init-sheet):" in result.output and "[OK] Mode links" in result.output
    assert "Langkah berikutnya" in result.output


def test_the_env_the_wizard_writes_starts_the_service(folder):
    assert wizard([], "--non-interactive", "--desa", "Sukamaju", "--jam-layanan", "Senin–Jumat 08.00–14.00",
                  "--wa-kantor", "0812 9999 0000").exit_code == 0
    app = create_app(load_config(environ={}, env_file=folder / ".env"), {"TESTING": True})
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Kantor Desa Sukamaju" in page and "Senin–Jumat 08.00–14.00" in page
    assert "https://wa.me/6281299990000" in page


def test_an_existing_env_is_not_overwritten_without_a_yes(folder):
    (folder / ".env").write_text("PONDOK_VILLAGE=Lama\n")
    result = wizard(["n"])
    assert result.exit_code == 1 and "tidak diubah" in result.output
    assert (folder / ".env").read_text() == "PONDOK_VILLAGE=Lama\n"
    assert wizard([], "--non-interactive").exit_code == 1
    assert (folder / ".env").read_text() == "PONDOK_VILLAGE=Lama\n"
    assert wizard([], "--non-interactive", "--timpa", "--desa", "Baru").exit_code == 0
    assert env_of(folder / ".env")["PONDOK_VILLAGE"] == "Baru"
    result = wizard(["y", "Baru Lagi", "", "", "", "", "", ""])
    assert result.exit_code == 0 and env_of(folder / ".env")["PONDOK_VILLAGE"] == "Baru Lagi"


def test_a_bad_sheet_url_is_re_asked_and_the_key_is_checked_by_opening_the_sheet(folder, sheets_api, monkeypatch):
    monkeypatch.setenv("PONDOK_SHEETS_API_URL", sheets_api.base_url)
    sheets_api.create_spreadsheet("wizard-sheet-0123456789abcdef")
    (folder / "kunci.json").write_text(json.dumps(sheets_api.service_account_info()))
    url = "https://docs.google.com/spreadsheets/d/wizard-sheet-0123456789abcdef/edit#gid=0"
    sheets_api.deny_access(True)
    try:
        result = wizard(["Pondok", "lembar kerja desa", url, "tidak-ada.json", "kunci.json"])
    finally:
        sheets_api.deny_access(False)
    assert "Harus kunci Google Sheet atau URL https://docs.google.com/spreadsheets/d/…" in result.output
    assert "File kunci akun layanan 'tidak-ada.json' tidak ditemukan" in result.output
    assert "Bagikan sheet ke pondok@desa-pondok.iam.gserviceaccount.com sebagai Editor" in result.output
    assert not (folder / ".env").exists()  # still asking when the input ran out

    result = wizard(["Pondok", url, "kunci.json", "links", "", "", "", ""])
    assert result.exit_code == 0, result.output  # doctor: only warnings (no public URL, no staff numbers)
    env = env_of(folder / ".env")
    assert env["PONDOK_SHEET_ID"] == url and env["PONDOK_GOOGLE_CREDENTIALS"] == "kunci.json"
    assert "- Tab Permohonan dibuat." in result.output and "[OK] Kunci akun layanan terbaca" in result.output


def test_the_wizard_in_cloud_mode_hides_the_secrets(folder):
    result = wizard([], "--non-interactive", "--wa-mode", "cloud", "--wa-token", "EAAG-rahasia-sekali",
                    "--wa-phone-number-id", "1234567890", "--wa-app-secret", "app-rahasia")
    env = env_of(folder / ".env")
    assert env["PONDOK_WA_TOKEN"] == "EAAG-rahasia-sekali" and env["PONDOK_WA_APP_SECRET"] == "app-rahasia"
    assert "EAAG-rahasia-sekali" not in result.output and "app-rahasia" not in result.output
    assert "PONDOK_WA_TOKEN = (rahasia, disimpan)" in result.output
    assert env["PONDOK_WA_TEMPLATE"] == "status_permohonan" and env["PONDOK_WA_VERIFY_TOKEN"]


def test_a_wrong_flag_stops_the_non_interactive_wizard_with_the_reason(folder):
    result = wizard([], "--non-interactive", "--wa-mode", "sms")
    assert result.exit_code == 2 and "Harus console atau cloud atau links." in result.output
    assert not (folder / ".env").exists()


# -- the monthly report -----------------------------------------------------------------------

@pytest.fixture
def november(office, staff):
    """A register of November (and one October request), across services, channels and statuses."""
    october = submit(office, "SKD", VALID, Channel.FORM, at("2026-10-30 09:00"))
    tickets = [submit(office, code, {**VALID, "nama": f"Warga {i}"}, channel, at("2026-11-02 09:00"))
               for i, (code, channel) in enumerate([("SKD", Channel.FORM), ("SKD", Channel.WHATSAPP),
                                                    ("SKTM", Channel.FORM), ("SKCK", Channel.GOOGLE_FORM)])]
    sync(office, at("2026-11-02 09:00"))
    staff.add_row({"Masuk": "2026-11-03 10:00", "Nama": "Pak Loket", "WhatsApp": "0813-1111-2222", "Layanan": "SKD"})
    sync(office, at("2026-11-03 10:00"))
    staff.set(tickets[0], "Status", "Siap Diambil")
    sync(office, at("2026-11-04 09:00"))  # 2 working days: on time
    staff.set(tickets[3], "Status", "Selesai")
    sync(office, at("2026-11-06 09:00"))  # 4 working days: SKCK promised 1
    return october, tickets


def test_rekap_xlsx_has_the_months_rows_and_a_summary_without_personal_data(runner, november, tmp_path):
    october, tickets = november
    out = tmp_path / "rekap.xlsx"
    result = runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(out)])
    assert result.exit_code == 0 and "Rekap disimpan" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Ringkasan", "Permohonan", "SKM"]  # SKM: the survey tables (issue 15)
    rows = list(book["Permohonan"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Tiket", "Masuk", "Saluran") and len(rows) == 6
    assert october not in {r[0] for r in rows} and set(tickets) <= {r[0] for r in rows}
    assert all(r[rows[0].index("NIK")] in ("3201014507900001", None) for r in rows[1:])
    summary = list(book["Ringkasan"].iter_rows(values_only=True))
    assert summary[0][0] == "Rekap layanan Kantor Desa Pondok, November 2026"
    header = summary[1]
    by_service = {r[0]: dict(zip(header, r)) for r in summary[2:]}
    skd = by_service["Surat Keterangan Domisili"]
    assert (skd["Jumlah"], skd["Formulir"], skd["WhatsApp"], skd["Loket"]) == (3, 1, 1, 1)
    assert (skd["Selesai"], skd["Selesai tepat waktu"], skd["Median hari kerja"]) == (1, 1, 2)
    skck = by_service["Surat Pengantar SKCK"]
    assert (skck["Google Form"], skck["Selesai"], skck["Selesai tepat waktu"]) == (1, 1, 0)
    assert by_service["Jumlah"]["Jumlah"] == 5
    flat = " ".join(str(v) for r in summary for v in r if v is not None)
    assert "3201014507900001" not in flat and "0812" not in flat and "Warga" not in flat and "PDK-" not in flat


def test_rekap_csv_writes_the_summary_and_the_rows_beside_it(runner, november, tmp_path):
    out = tmp_path / "rekap.csv"
    assert runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(out)]).exit_code == 0
    summary = list(csv.reader(open(out, encoding="utf-8-sig")))
    rows = list(csv.reader(open(tmp_path / "rekap-permohonan.csv", encoding="utf-8-sig")))
    assert summary[-1][0] == "Jumlah" and summary[-1][1] == "5" and len(rows) == 6
    assert "3201014507900001" not in out.read_text(encoding="utf-8-sig")


def test_rekap_refuses_a_bad_month_or_file_type(runner, tmp_path):
    assert "2026-11" in runner.invoke(["rekap", "--bulan", "November", "--out", str(tmp_path / "r.xlsx")]).output
    assert runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(tmp_path / "r.pdf")]).exit_code == 2
