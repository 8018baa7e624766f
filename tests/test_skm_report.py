"""What the office hands out: the one-page SKM report PDF and the NRR chart SVG."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from fractions import Fraction
from pathlib import Path

import pypdf

from pondok_sheets.documents.charts import nrr_bar_chart
from pondok_sheets.documents.skm_report import write_skm_report
from pondok_sheets.register.survey import Answer
from pondok_sheets.register.survey_index import parse_period, result_for

SVG = "{http://www.w3.org/2000/svg}"
KNOWN = ["4 4 3 4 3 3 4 3 3", "3 3 3 4 3 3 3 2 3", "4 3 2 4 3 4 4 3 3", "3 3 3 4 4 3 4 3 2"]  # IKM 81,25, B


def answers(count: int = 4, suggestion: str = "") -> list[Answer]:
    out = []
    for i in range(count):
        scores = tuple(int(s) for s in KNOWN[i % 4].split())
        out.append(Answer(f"hash{i}", "Surat Keterangan Domisili", date(2026, 9, 1 + i % 28), scores,
                          "Perempuan" if i % 2 else "Laki-laki", "30–39", "SMA", "Wirausaha",
                          suggestion or f"Saran nomor {i}: antrean perlu nomor urut."))
    return out


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(str(path))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_the_report_reads_back_with_the_ikm_the_category_and_the_sample_check(tmp_path):
    result = result_for(parse_period("2026-S2"), answers(), served=40)
    out = write_skm_report(result, tmp_path / "laporan-skm.pdf", "Sukamaju", generated=date(2027, 1, 5))
    pages, text = pdf_text(out)
    assert pages == 1
    assert "81,25" in text and "Mutu B" in text and "Baik" in text
    assert "Semester II 2026" in text and "Sukamaju" in text
    assert "Responden: 4" in text and "Sampel minimal (Krejcie-Morgan): 36" in text
    assert "Responden di bawah sampel minimal" in text
    assert "Sarana dan Prasarana" in text and "3,50" in text  # the NRR table
    assert "Profil responden" in text and "Perempuan" in text


def test_the_report_gives_each_services_ikm_for_a_semester_or_a_year(tmp_path):
    sktm = [Answer(f"s{i}", "Surat Keterangan Tidak Mampu (SKTM)", date(2026, 3 + i, 2), (4,) * 9) for i in range(2)]
    for code in ("2026-S2", "2026"):
        result = result_for(parse_period(code), answers() + sktm, served=40)
        pages, text = pdf_text(write_skm_report(result, tmp_path / f"{code}.pdf", "Sukamaju"))
        text = " ".join(text.split())
        assert pages == 1 and "IKM per layanan" in text and "Layanan Responden IKM Mutu" in text
        assert "Surat Keterangan Domisili 4 81,25 B" in text, text
        assert ("Surat Keterangan Tidak Mampu (SKTM) 2 100,00 A" in text) == (code == "2026")  # S2 has none


def test_many_services_still_fit_one_page_with_the_rest_named_in_the_rekap(tmp_path):
    many = [Answer(f"h{i}", f"Layanan nomor {i:02d} dengan nama yang cukup panjang sekali", date(2026, 8, 1),
                   (3,) * 9, "Perempuan", "30–39", "S1", "Lainnya", f"Saran {i}") for i in range(20)]
    pages, text = pdf_text(write_skm_report(result_for(parse_period("2026"), many, 40), tmp_path / "r.pdf", "Sukamaju"))
    text = " ".join(text.split())
    assert pages == 1 and "Layanan nomor 00" in text and "Layanan nomor 15" in text
    assert "Layanan nomor 16" not in text and "… dan 4 layanan lain (lihat sheet SKM di rekap)." in text
    assert "Profil responden" in text and "Saran dan masukan (20)" in text


def test_suggestions_are_cut_to_one_page_and_carry_no_numbers(tmp_path):
    long = "Mohon ruang tunggu diberi kipas angin, hubungi saya di 0812 3456 7890. " * 8
    many = [Answer("x", "SKTM", date(2026, 10, 1), (4,) * 9, suggestion=long)] + answers(120)
    result = result_for(parse_period("2026"), many, served=150)
    pages, text = pdf_text(write_skm_report(result, tmp_path / "r.pdf", "Sukamaju"))
    assert pages == 1
    assert "0812" not in text and "[nomor disembunyikan]" in text
    assert text.count("Mohon ruang tunggu") < 8 and " …" in text  # a long one is cut to three lines
    assert "saran lain (lihat tab Survei)" in text


def test_a_period_without_answers_still_gives_a_page_that_says_so(tmp_path):
    result = result_for(parse_period("2026-T1"), answers(), served=12)
    pages, text = pdf_text(write_skm_report(result, tmp_path / "r.pdf", "Sukamaju"))
    assert pages == 1 and "Belum ada jawaban survei" in text and "Triwulan I 2026" in text


NRR = [Fraction(7, 2), Fraction(13, 4), Fraction(11, 4), Fraction(4), Fraction(13, 4), Fraction(13, 4),
       Fraction(15, 4), Fraction(11, 4), Fraction(11, 4)]


def test_the_chart_is_valid_svg_with_nine_labelled_bars_scaled_to_the_nrr():
    svg = nrr_bar_chart(NRR)
    root = ET.fromstring(svg)
    bars = root.findall(f"{SVG}rect[@class='bar']")
    assert len(bars) == 9
    widths = [float(b.get("width")) for b in bars]
    assert widths[3] == max(widths) and widths[2] == min(widths)  # 4,00 longest, 2,75 shortest
    assert abs(widths[0] / widths[3] - 3.5 / 4) < 0.01
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "U1 Persyaratan" in labels and "U9 Sarana prasarana" in labels and "4,00" in labels
    assert root.get("viewBox") == "0 0 360 332" and "<script" not in svg
    assert len(svg.encode()) < 5000


def test_the_chart_reads_at_360_px_in_chromium(phone_page, tmp_path):
    phone_page.set_content(f"<!doctype html><body style='margin:0'>{nrr_bar_chart(NRR)}</body>")
    box = phone_page.locator("svg").bounding_box()
    assert box["width"] <= 360 and box["height"] > 250
    first, last = phone_page.locator("rect.bar").first.bounding_box(), phone_page.locator("rect.bar").last.bounding_box()
    assert last["y"] > first["y"] and first["width"] > 150
    phone_page.screenshot(path=str(tmp_path / "nrr-chart-360.png"))
    assert (tmp_path / "nrr-chart-360.png").stat().st_size > 1000
