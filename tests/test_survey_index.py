"""The SKM index as PermenPANRB 14/2017 computes it, from Survei tabs as staff leave them."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from pondok_sheets.register.survey import (
    ELEMENTS,
    SURVEI,
    Answer,
    age_band,
    answer_from_form,
    answer_row,
    parse_answers,
    redact,
)
from pondok_sheets.register.survey_index import (
    BadPeriod,
    compute,
    fmt,
    grade,
    minimum_sample,
    parse_period,
    profile,
    result_for,
)
from pondok_sheets.register.table import Table

HEADERS = list(SURVEI.headers)


def tab(rows: list[list[str]], headers: list[str] = HEADERS) -> list[Answer]:
    """The answers in a Survei tab given as a grid, read the way the sync reads a tab."""
    table = Table("Survei", [headers, *rows])
    return parse_answers(table.records(SURVEI.headers))


def row(hash_: str, scores: str, day: str = "2026-08-03 10:15", service: str = "Surat Keterangan Domisili",
        facts: tuple[str, str, str, str] = ("Perempuan", "30–39", "SMA", "Wirausaha"), saran: str = "") -> list[str]:
    return [day, hash_, service, *scores.split(), *facts, saran]


# Four respondents, scores U1..U9, the worked example of the test below.
KNOWN = [
    row("a1", "4 4 3 4 3 3 4 3 3"),
    row("a2", "3 3 3 4 3 3 3 2 3"),
    row("a3", "4 3 2 4 3 4 4 3 3"),
    row("a4", "3 3 3 4 4 3 4 3 2"),
]


def test_ikm_from_a_survei_tab_matches_the_hand_calculation():
    # NRR = column total / 4 respondents:
    #   U1 14/4 = 3,50   U2 13/4 = 3,25   U3 11/4 = 2,75   U4 16/4 = 4,00   U5 13/4 = 3,25
    #   U6 13/4 = 3,25   U7 15/4 = 3,75   U8 11/4 = 2,75   U9 11/4 = 2,75
    # Σ NRR tertimbang = (Σ NRR) × 1/9 = 29,25 / 9 = 3,25;  IKM konversi = 3,25 × 25 = 81,25 -> B (Baik)
    index = compute(tab(KNOWN))
    assert index.respondents == 4
    assert [fmt(n) for n in index.nrr] == ["3,50", "3,25", "2,75", "4,00", "3,25", "3,25", "3,75", "2,75", "2,75"]
    assert sum(index.weighted) == Fraction(325, 100)
    assert index.ikm == Decimal("81.25")
    assert (index.grade.letter, index.grade.name) == ("B", "Baik")
    assert [ELEMENTS[i].name for i in index.lowest(3)] == [
        "Waktu Penyelesaian", "Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana"]


@pytest.mark.parametrize("ikm, letter", [
    ("100", "A"), ("88.31", "A"), ("88.305", "A"), ("88.30", "B"), ("76.61", "B"), ("76.605", "B"),
    ("76.604", "C"), ("76.60", "C"), ("65.00", "C"), ("64.995", "C"), ("64.99", "D"), ("25", "D"),
])
def test_the_category_follows_the_interval_table_after_rounding_to_two_decimals(ikm, letter):
    assert grade(Decimal(ikm)).letter == letter


def test_a_period_scoring_76_60_is_kurang_baik_and_one_point_more_makes_it_baik():
    # 33 respondents, total 910 points: IKM = 910 / (9 × 33) × 25 = 76,5993… -> 76,60 -> C.
    rows = [row(f"h{i}", "4 3 3 3 3 3 3 3 3" if i < 19 else "3 3 3 3 3 3 3 3 3") for i in range(33)]
    index = compute(tab(rows))
    assert (fmt(index.ikm), index.grade.letter, index.grade.name) == ("76,60", "C", "Kurang Baik")
    rows[19] = row("h19", "4 3 3 3 3 3 3 3 3")  # 911 points: 76,6835… -> 76,68 -> B
    index = compute(tab(rows))
    assert (fmt(index.ikm), index.grade.letter) == ("76,68", "B")


def test_staff_edits_to_the_tab_do_not_move_the_index():
    reordered = ["Saran", "Pekerjaan", *HEADERS[:-2], "Catatan petugas"]
    position = {h: i for i, h in enumerate(reordered)}
    grid = []
    for cells in KNOWN:
        out = [""] * len(reordered)
        for header, value in zip(HEADERS, cells):
            out[position[header]] = value
        grid.append(out)
    grid[0][position["U1"]] = "4.0"  # a cell Sheets turned into a number
    grid[1][position["Jenis Kelamin"]] = "laki laki"
    grid.insert(2, [""] * len(reordered))  # a blank row
    grid.append(list(grid[3]))  # a pasted copy of the same ticket's answer
    broken = list(grid[3])
    broken[position["Tiket (hash)"]] = "zz"
    broken[position["U5"]] = "5"  # out of scale: skipped, not guessed
    grid.append(broken)
    answers = tab(grid, reordered)
    assert len(answers) == 4
    assert compute(answers).ikm == Decimal("81.25")
    assert answers[1].sex == "Laki-laki"


def test_answers_are_counted_per_period_and_per_service_with_the_sample_check():
    rows = KNOWN + [row("b1", "2 2 2 2 2 2 2 2 2", day="2026-03-10 08:00"),
                    row("b2", "4 4 4 4 4 4 4 4 4", service="SKTM", day="2026-12-31 16:59")]
    result = result_for(parse_period("2026-S2"), tab(rows), served=40)
    assert result.respondents == 5  # March is semester I
    assert sorted(result.services) == ["SKTM", "Surat Keterangan Domisili"]
    assert result.services["SKTM"].ikm == Decimal("100.00")
    assert (result.required, result.is_below_sample) == (36, True)
    assert not result_for(parse_period("2026-S2"), tab(rows), served=5).is_below_sample


@pytest.mark.parametrize("population, sample", [
    (0, 0), (7, 7), (10, 10), (100, 80), (101, 86), (230, 144), (1000, 278), (1001, 285),
    (10000, 370), (75000, 382), (75001, 384), (2_000_000, 384),
])
def test_minimum_sample_comes_from_the_krejcie_morgan_table(population, sample):
    assert minimum_sample(population) == sample


@pytest.mark.parametrize("text, start, end, label", [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "November 2026"),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "Februari 2028"),
    ("2026-S1", date(2026, 1, 1), date(2026, 6, 30), "Semester I 2026"),
    ("2026-s2", date(2026, 7, 1), date(2026, 12, 31), "Semester II 2026"),
    ("2026-T3", date(2026, 7, 1), date(2026, 9, 30), "Triwulan III 2026"),
    ("2026", date(2026, 1, 1), date(2026, 12, 31), "Tahun 2026"),
])
def test_periods_have_their_days_and_an_indonesian_label(text, start, end, label):
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["2026-13", "2026-S3", "26-11", "November"])
def test_an_unknown_period_is_explained(text):
    with pytest.raises(BadPeriod, match="Periode|Bulan"):
        parse_period(text)


def test_the_form_answer_needs_all_nine_scores_and_keeps_only_an_age_band():
    form = {f"u{i}": "3" for i in range(1, 10)} | {"umur": "34", "jk": "P", "pendidikan": "sma", "saran": "=SUM(A1)"}
    del form["u4"]
    answer, errors = answer_from_form(form, "hash", "SKTM", date(2026, 8, 1))
    assert answer is None and errors == {"u4": "Pilih satu jawaban untuk pertanyaan 4."}
    form["u4"] = "4"
    answer, errors = answer_from_form(form, "hash", "SKTM", date(2026, 8, 1))
    assert (answer.age_band, answer.sex, answer.education) == ("30–39", "Perempuan", "SMA")
    cells = answer_row(answer)
    assert cells["Saran"] == "'=SUM(A1)" and cells["Umur"] == "30–39" and cells["U4"] == "4"
    assert set(cells) == set(SURVEI.headers)  # nothing else: no name, NIK or number has a column


def test_ages_fall_in_bands_and_nonsense_is_dropped():
    assert [age_band(v) for v in ("17", "20", "59", "60", "87", "60 ke atas", "abc", "300")] == [
        "Di bawah 20", "20–29", "50–59", "60 ke atas", "60 ke atas", "60 ke atas", "", ""]


def test_the_profile_counts_each_fact_and_the_unanswered():
    answers = tab(KNOWN + [row("c1", "3 3 3 3 3 3 3 3 3", facts=("Laki-laki", "", "S1", "PNS"))])
    counts = profile(answers)
    assert counts["Jenis Kelamin"] == {"Perempuan": 4, "Laki-laki": 1}
    assert counts["Umur"]["Tidak diisi"] == 1


def test_published_suggestions_hide_numbers_and_addresses():
    text = redact("Petugas ramah. WA saya 0812-3456-7890, NIK 3201234567890001, surel budi@contoh.id")
    assert "0812" not in text and "3201" not in text and "@" not in text
    assert text.startswith("Petugas ramah. WA saya [nomor disembunyikan]")
