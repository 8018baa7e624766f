"""Exports keep residents' text as text: no live formula in rekap.xlsx, none runnable in the csv."""
from __future__ import annotations

import csv
import zipfile

from openpyxl import load_workbook

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel

from .conftest import VALID, at

FORMULA_STARTS = ("=", "+", "-", "@")


def formula_register(office, staff) -> None:
    """Residents (and a staff member at the counter) typing what Excel would run as formulas."""
    submit(office, "SKD", {**VALID, "nama": '=HYPERLINK("http://x.example";"klik")', "keterangan": "+62 ok"},
           Channel.FORM, at("2026-11-02 09:00"))
    submit(office, "SKTM", {**VALID, "keterangan": "@SUM(1+1)"}, Channel.WHATSAPP, at("2026-11-02 09:05"))
    sync(office, at("2026-11-02 09:10"))
    staff.add_row({"Masuk": "2026-11-03 10:00", "Nama": "-Pak Loket", "WhatsApp": "0813-1111-2222",
                   "Layanan": "'=1+2"})
    sync(office, at("2026-11-03 10:05"))


def test_rekap_xlsx_has_no_live_formula_on_either_sheet(runner, office, staff, tmp_path):
    formula_register(office, staff)
    out = tmp_path / "rekap.xlsx"
    assert runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert len(sheets) == 3 and all("<f>" not in xml and "<f " not in xml for xml in sheets)  # with SKM
    workbook = load_workbook(out)
    texts = {c.value for sheet in workbook for row in sheet.iter_rows() for c in row if c.data_type == "s"}
    assert '=HYPERLINK("http://x.example";"klik")' in texts and "@SUM(1+1)" in texts
    assert "=1+2" in texts  # the summary sheet's service name too, as text
    assert all(c.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for c in row)


def test_rekap_csv_neutralises_every_formula_like_cell(runner, office, staff, tmp_path):
    formula_register(office, staff)
    out = tmp_path / "rekap.csv"
    assert runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(out)]).exit_code == 0
    cells = [cell for path in (out, tmp_path / "rekap-permohonan.csv")
             for row in csv.reader(open(path, encoding="utf-8-sig")) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'=HYPERLINK(\"http://x.example\";\"klik\")" in cells and "'=1+2" in cells and "'-Pak Loket" in cells
