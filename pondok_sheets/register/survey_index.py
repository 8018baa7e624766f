"""The Indeks Kepuasan Masyarakat as PermenPANRB 14/2017 computes it: NRR, IKM, mutu, periods, sample size."""
from __future__ import annotations

import bisect
import calendar
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from ..errors import BadPeriod
from .survey import ELEMENTS, Answer

WEIGHT = Fraction(1, len(ELEMENTS))  # the annex: bobot = jumlah bobot / jumlah unsur = 1/9 (≈ 0,111)
SCALE = 25  # converts the 1..4 index to 25..100

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Grade:
    """A mutu pelayanan: letter, name (kinerja unit pelayanan) and the lowest IKM konversi it starts at."""

    letter: str
    name: str
    floor: Decimal


# The annex's table of nilai interval konversi: A 88,31–100,00; B 76,61–88,30; C 65,00–76,60; D 25,00–64,99.
GRADES = (
    Grade("A", "Sangat Baik", Decimal("88.31")),
    Grade("B", "Baik", Decimal("76.61")),
    Grade("C", "Kurang Baik", Decimal("65.00")),
    Grade("D", "Tidak Baik", Decimal("25.00")),
)


# The same table in the 1..4 unit (nilai interval, NI), used to grade one unsur's NRR.
_NRR_FLOORS = (Decimal("3.5324"), Decimal("3.0644"), Decimal("2.60"), Decimal("1.00"))
SHORT_NAMES = ("Persyaratan", "Prosedur", "Waktu", "Biaya/Tarif", "Produk layanan",
               "Kompetensi petugas", "Perilaku petugas", "Pengaduan", "Sarana prasarana")


def nrr_grade(nrr: Fraction | float | Decimal) -> Grade:
    """The mutu of one unsur's NRR by the annex's nilai interval (A from 3,5324, B from 3,0644, C from 2,60)."""
    exact = Decimal(nrr.numerator) / Decimal(nrr.denominator) if isinstance(nrr, Fraction) else Decimal(str(nrr))
    value = exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    for g, floor in zip(GRADES, _NRR_FLOORS):
        if value >= floor:
            return g
    return GRADES[-1]


def round_ikm(value: Fraction | float | Decimal) -> Decimal:
    """IKM konversi to two decimals, half up: the precision of the regulation's interval table."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(str(value))
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade(ikm: Fraction | float | Decimal) -> Grade:
    """The mutu of an IKM konversi, classified after rounding to two decimals (so 76,605 is 76,61, a B).

    The table's intervals have gaps of 0,01 (76,60 | 76,61); rounding first to the table's own
    precision puts every value in exactly one interval.
    """
    rounded = round_ikm(ikm)
    for g in GRADES:
        if rounded >= g.floor:
            return g
    return GRADES[-1]


@dataclass(frozen=True)
class Index:
    """The survey's result over a set of answers: NRR per unsur, IKM konversi, its mutu, respondents."""

    respondents: int
    nrr: tuple[Fraction, ...]  # nilai rata-rata per unsur, exact

    @property
    def weighted(self) -> tuple[Fraction, ...]:
        """NRR tertimbang per unsur: NRR × 1/9."""
        return tuple(n * WEIGHT for n in self.nrr)

    @property
    def ikm_exact(self) -> Fraction:
        """The unrounded IKM konversi: (Σ NRR tertimbang) × 25."""
        return sum(self.weighted, Fraction(0)) * SCALE

    @property
    def ikm(self) -> Decimal:
        """IKM konversi to two decimals, as published."""
        return round_ikm(self.ikm_exact)

    @property
    def grade(self) -> Grade:
        """The mutu pelayanan of this IKM."""
        return grade(self.ikm_exact)

    def lowest(self, count: int = 3) -> list[int]:
        """Indices (0-based, ELEMENTS order) of the unsur with the lowest NRR, lowest first."""
        return sorted(range(len(self.nrr)), key=lambda i: (self.nrr[i], i))[:count]


def compute(answers: Iterable[Answer]) -> Index | None:
    """The index over `answers`, or None when there is no answer (no index of nothing)."""
    answers = list(answers)
    if not answers:
        return None
    totals = [sum(a.scores[i] for a in answers) for i in range(len(ELEMENTS))]
    return Index(len(answers), tuple(Fraction(t, len(answers)) for t in totals))


def fmt(value: Fraction | Decimal, places: int = 2) -> str:
    """A number the Indonesian way: decimal comma, `places` decimals (3,25)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    text = str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return text.replace(".", ",")


@dataclass(frozen=True)
class Period:
    """A survey period: month, triwulan, semester or year, with its first and last day."""

    code: str
    start: date
    end: date
    label: str

    def contains(self, day: date) -> bool:
        """True when `day` falls in the period (both ends included)."""
        return self.start <= day <= self.end


def parse_period(text: str) -> Period:
    """The period named by '2026-11' (month), '2026-T1'…'T4' (triwulan), '2026-S1'/'S2' (semester) or '2026'."""
    code = re.sub(r"\s", "", str(text)).upper()
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}|T[1-4]|S[12]))?", code)
    if not match:
        raise BadPeriod(f"Periode '{text}' tidak dikenal. Contoh: 2026 (tahun), 2026-S2 (semester), "
                        "2026-T3 (triwulan), 2026-11 (bulan).")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return Period(f"{year}", date(year, 1, 1), date(year, 12, 31), f"Tahun {year}")
    if part.startswith("S"):
        half = int(part[1])
        first = 1 if half == 1 else 7
        return Period(f"{year}-S{half}", date(year, first, 1), _month_end(year, first + 5),
                      f"Semester {ROMAN[half - 1]} {year}")
    if part.startswith("T"):
        quarter = int(part[1])
        first = 3 * quarter - 2
        return Period(f"{year}-T{quarter}", date(year, first, 1), _month_end(year, first + 2),
                      f"Triwulan {ROMAN[quarter - 1]} {year}")
    month = int(part)
    if not 1 <= month <= 12:
        raise BadPeriod(f"Bulan {month} tidak ada. Tulis 01 sampai 12, misalnya 2026-11.")
    return Period(f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month), f"{MONTHS[month - 1]} {year}")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# The annex's sample table (Krejcie and Morgan, 1970): population N -> sample S. Every row equals
# the formula S = χ²NP(1-P) / (d²(N-1) + χ²P(1-P)) with χ² = 3,841, P = 0,5, d = 0,05, rounded.
_SAMPLE_TABLE = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44), (55, 48),
    (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76), (100, 80), (110, 86),
    (120, 92), (130, 97), (140, 103), (150, 108), (160, 113), (170, 118), (180, 123), (190, 127),
    (200, 132), (210, 136), (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159),
    (280, 162), (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196),
    (420, 201), (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242),
    (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285),
    (1200, 291), (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313), (1800, 317),
    (1900, 320), (2000, 322), (2200, 327), (2400, 331), (2600, 335), (2800, 338), (3000, 341),
    (3500, 346), (4000, 351), (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367),
    (9000, 368), (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (1000000, 384),
)
_POPULATIONS = [n for n, _ in _SAMPLE_TABLE]


def minimum_sample(population: int) -> int:
    """The fewest respondents the table asks for `population` people served.

    Between two rows the larger row applies (a village office rounds up, never down), and the
    sample never exceeds the population: 7 people served means all 7.
    """
    if population <= 0:
        return 0
    i = bisect.bisect_left(_POPULATIONS, population)
    sample = _SAMPLE_TABLE[min(i, len(_SAMPLE_TABLE) - 1)][1]
    return min(sample, population)


@dataclass(frozen=True)
class Result:
    """The survey over one period: the whole office and each service, with the sample check."""

    period: Period
    overall: Index | None
    services: dict[str, Index]
    served: int  # requests the register counts in the period (the population)
    answers: tuple[Answer, ...] = ()  # the answers counted, for the profile and the suggestions

    @property
    def respondents(self) -> int:
        """Answers counted in the period."""
        return self.overall.respondents if self.overall else 0

    @property
    def required(self) -> int:
        """The minimum sample for the people served in the period."""
        return minimum_sample(self.served)

    @property
    def is_below_sample(self) -> bool:
        """True when fewer answered than the regulation's table asks (the figure is then only indicative)."""
        return self.respondents < self.required


def result_for(period: Period, answers: Sequence[Answer], served: int) -> Result:
    """The Result of `period` from all answers (those outside it are left out) and the count served."""
    inside = [a for a in answers if period.contains(a.day)]
    by_service: dict[str, list[Answer]] = {}
    for answer in inside:
        by_service.setdefault(answer.service or "Lainnya", []).append(answer)
    services = {name: index for name, group in sorted(by_service.items()) if (index := compute(group))}
    return Result(period, compute(inside), services, served, tuple(inside))


def profile(answers: Iterable[Answer]) -> dict[str, Counter]:
    """Respondents per sex, age band, education and occupation ('' counted as 'Tidak diisi')."""
    out: dict[str, Counter] = {"Jenis Kelamin": Counter(), "Umur": Counter(), "Pendidikan": Counter(),
                               "Pekerjaan": Counter()}
    for a in answers:
        for key, value in (("Jenis Kelamin", a.sex), ("Umur", a.age_band),
                           ("Pendidikan", a.education), ("Pekerjaan", a.occupation)):
            out[key][value or "Tidak diisi"] += 1
    return out
