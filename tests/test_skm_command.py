"""`python main.py skm` and the SKM sheet of `rekap`, against both registers."""
from __future__ import annotations

from pypdf import PdfReader

from pondok_sheets.flow.sync import sync

from .conftest import at
from .test_survey import answers_totalling, known_answer_rows


def fill_survei(staff, count: int, total: int, day: str = "2026-11-20 10:00") -> None:
    for row in known_answer_rows(answers_totalling(count, total)):
        staff.add_row({**row, "Waktu": day}, tab="Survei")


def test_skm_writes_a_pdf_holding_the_ikm_and_its_category(runner, staff, tmp_path):
    fill_survei(staff, 19, 524)  # 76,61: B
    out = tmp_path / "laporan-skm.pdf"
    result = runner.invoke(["skm", "--periode", "2026-S2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "IKM 76,61, mutu B (Baik), 19 responden" in result.output
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert len(PdfReader(out).pages) == 1
    assert "76,61" in text and "Baik" in text and "Semester II 2026" in text
    assert "Surat Keterangan Domisili 19 76,61 B" in " ".join(text.split())  # the per-service table


def test_skm_outside_the_period_counts_nothing(runner, staff, tmp_path):
    fill_survei(staff, 2, 63)
    result = runner.invoke(["skm", "--periode", "2026-S1", "--out", str(tmp_path / "s1.pdf")])
    assert result.exit_code == 0 and "Belum ada jawaban survei untuk Semester I 2026" in result.output


def test_skm_says_in_indonesian_what_a_period_looks_like(runner, tmp_path):
    for bad in ("2026-S3", "semester dua", "2026-13"):
        result = runner.invoke(["skm", "--periode", bad, "--out", str(tmp_path / "x.pdf")])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "Periode" in result.output or "Bulan 13 tidak ada" in result.output


def test_rekap_gains_an_skm_sheet_with_the_regulations_table(runner, office, staff, tmp_path):
    from openpyxl import load_workbook

    fill_survei(staff, 2, 63)
    sync(office, at("2026-11-28 08:00"))
    out = tmp_path / "rekap.xlsx"
    result = runner.invoke(["rekap", "--bulan", "2026-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["SKM"]
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["U1", "Persyaratan", "3,500", "0,389", "B"] in cells
    assert ["IKM (konversi)", "87,50"] in cells and ["Mutu pelayanan", "B (Baik)"] in cells
    assert ["Responden", 2] in cells
    assert ["Layanan", "Responden", "IKM", "Mutu"] in cells
    assert ["Surat Keterangan Domisili", 2, "87,50", "B"] in cells
