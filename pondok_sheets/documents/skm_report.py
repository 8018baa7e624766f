"""The one-page SKM report for the kecamatan: table, IKM, mutu, chart, per service, profile, suggestions.

Drawn with reportlab on an A4 portrait page in the Bitstream Vera fonts bundled with reportlab,
so nothing has to be installed. Suggestions are redacted (no numbers, no e-mail) and cut to fit.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..register.survey import (
    AGE_BANDS,
    EDUCATIONS,
    ELEMENTS,
    OCCUPATIONS,
    SEXES,
    redact,
)
from ..register.survey_index import MONTHS, SHORT_NAMES, Result, fmt, nrr_grade, profile
from .charts import GRADE_COLOURS

FONTS = Path(os.path.dirname(reportlab.__file__)) / "fonts"
MARGIN = 15 * mm
WIDTH, HEIGHT = A4
INNER = WIDTH - 2 * MARGIN
BRAND = (11 / 255, 93 / 255, 59 / 255)
_BOTTOM = MARGIN + 8 * mm  # the footer line sits below this
PROFILE_ORDER = {"Jenis Kelamin": SEXES, "Umur": AGE_BANDS, "Pendidikan": EDUCATIONS, "Pekerjaan": OCCUPATIONS}


def _fonts() -> None:
    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))


def _hex(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def write_skm_report(result: Result, out: Path, village: str, period_label: str | None = None,
                     generated: date | None = None) -> Path:
    """Write the report of `result` as a one-page A4 PDF at `out` and return the path."""
    _fonts()
    page = Canvas(str(out), pagesize=A4)
    page.setTitle(f"Laporan SKM {village} {period_label or result.period.label}")
    page.setAuthor(f"Kantor Desa {village}")
    y = _header(page, village, period_label or result.period.label)
    y = _summary(page, result, y)
    if result.overall is not None:
        y = _table_and_chart(page, result, y)
        y = _services(page, result, y)
        y = _profile(page, result, y)
        _suggestions(page, result, y)
    else:
        page.setFont("Vera", 11)
        page.drawString(MARGIN, y - 8 * mm, "Belum ada jawaban survei pada periode ini.")
    page.setFont("Vera", 7.5)
    page.setFillGray(0.35)
    page.drawString(MARGIN, MARGIN, f"Dibuat {_long_date(generated or date.today())} oleh Pondok Sheets. "
                    "Metode PermenPANRB No. 14 Tahun 2017: bobot unsur 1/9, IKM = jumlah NRR tertimbang × 25.")
    page.showPage()
    page.save()
    return out


def _header(page: Canvas, village: str, period_label: str) -> float:
    page.setFillColorRGB(*BRAND)
    page.rect(0, HEIGHT - 28 * mm, WIDTH, 28 * mm, stroke=0, fill=1)
    page.setFillColorRGB(1, 1, 1)
    page.setFont("VeraBd", 16)
    page.drawString(MARGIN, HEIGHT - 13 * mm, "Laporan Survei Kepuasan Masyarakat (SKM)")
    page.setFont("Vera", 10.5)
    page.drawString(MARGIN, HEIGHT - 21 * mm, f"Kantor Desa {village} · Periode {period_label}")
    return HEIGHT - 34 * mm


def _summary(page: Canvas, result: Result, top: float) -> float:
    height = 24 * mm
    page.setStrokeGray(0.75)
    page.roundRect(MARGIN, top - height, INNER, height, 2 * mm)
    page.setFillGray(0)
    if result.overall is None:
        page.setFont("VeraBd", 13)
        page.drawString(MARGIN + 4 * mm, top - 10 * mm, "IKM: belum ada")
    else:
        g = result.overall.grade
        page.setFont("Vera", 9)
        page.drawString(MARGIN + 4 * mm, top - 7 * mm, "Indeks Kepuasan Masyarakat (IKM)")
        page.setFont("VeraBd", 22)
        page.drawString(MARGIN + 4 * mm, top - 17 * mm, fmt(result.overall.ikm))
        page.setFillColorRGB(*_hex(GRADE_COLOURS[g.letter]))
        page.setFont("VeraBd", 13)
        page.drawString(MARGIN + 40 * mm, top - 17 * mm, f"Mutu {g.letter} · {g.name}")
    page.setFillGray(0)
    page.setFont("Vera", 9)
    x = MARGIN + INNER * 0.58
    page.drawString(x, top - 7 * mm, f"Responden: {result.respondents}")
    page.drawString(x, top - 12 * mm, f"Jumlah dilayani: {result.served}")
    page.drawString(x, top - 17 * mm, f"Sampel minimal (Krejcie-Morgan): {result.required}")
    if result.is_below_sample:
        page.setFillColorRGB(*_hex(GRADE_COLOURS["D"]))
        page.setFont("VeraBd", 8.5)
        page.drawString(x, top - 22 * mm, "Responden di bawah sampel minimal")
        page.setFillGray(0)
    return top - height - 6 * mm


def _table_and_chart(page: Canvas, result: Result, top: float) -> float:
    index = result.overall
    assert index is not None
    cols = (MARGIN, MARGIN + 9 * mm, MARGIN + 62 * mm, MARGIN + 78 * mm)  # No, Unsur, NRR, tertimbang
    row = 6.2 * mm
    page.setFont("VeraBd", 8.5)
    for x, head in zip(cols, ("No", "Unsur pelayanan", "NRR", "NRR × 1/9")):
        page.drawString(x, top, head)
    page.setStrokeGray(0.6)
    page.line(MARGIN, top - 1.8 * mm, MARGIN + 96 * mm, top - 1.8 * mm)
    page.setFont("Vera", 8.5)
    y = top - row
    for element, nrr, weighted in zip(ELEMENTS, index.nrr, index.weighted):
        name = _fit(element.name, "Vera", 8.5, 52 * mm)
        page.drawString(cols[0], y, f"U{element.number}")
        page.drawString(cols[1], y, name)
        page.drawRightString(cols[2] + 10 * mm, y, fmt(nrr))
        page.drawRightString(cols[3] + 17 * mm, y, fmt(weighted, 3))
        y -= row
    page.line(MARGIN, y + row - 1.8 * mm, MARGIN + 96 * mm, y + row - 1.8 * mm)
    page.setFont("VeraBd", 8.5)
    page.drawString(cols[1], y, "Jumlah NRR tertimbang")
    page.drawRightString(cols[3] + 17 * mm, y, fmt(index.ikm_exact / 25, 3))
    y -= row
    page.drawString(cols[1], y, "IKM konversi (× 25)")
    page.drawRightString(cols[3] + 17 * mm, y, fmt(index.ikm))
    _bars(page, index.nrr, MARGIN + 102 * mm, top + 2 * mm, INNER - 102 * mm)
    return y - 8 * mm


def _bars(page: Canvas, nrr: tuple, left: float, top: float, width: float) -> None:
    """The nine NRR as horizontal bars drawn with reportlab shapes (the PDF twin of charts.nrr_bar_chart)."""
    page.setFont("VeraBd", 8.5)
    page.drawString(left, top - 2 * mm, "NRR per unsur (skala 1–4)")
    track = width - 12 * mm
    step = 6.6 * mm
    for i, value in enumerate(nrr):
        y = top - 8 * mm - i * step
        page.setFont("Vera", 7)
        page.setFillGray(0)
        page.drawString(left, y + 2.9 * mm, f"U{i + 1} {SHORT_NAMES[i]}")
        page.setFillGray(0.9)
        page.rect(left, y - 0.8 * mm, track, 2.6 * mm, stroke=0, fill=1)
        page.setFillColorRGB(*_hex(GRADE_COLOURS[nrr_grade(value).letter]))
        page.rect(left, y - 0.8 * mm, max(0.5, float(value) / 4 * track), 2.6 * mm, stroke=0, fill=1)
        page.setFillGray(0)
        page.setFont("VeraBd", 7)
        page.drawRightString(left + width, y - 0.2 * mm, fmt(value))


SERVICE_ROWS = 8  # per column, two columns: a village office rarely has more services answered in a period


def _services(page: Canvas, result: Result, top: float) -> float:
    """The per-service table (Layanan · Responden · IKM · Mutu), in two columns when there are many."""
    rows = list(result.services.items())
    page.setFont("VeraBd", 10)
    page.setFillGray(0)
    page.drawString(MARGIN, top, "IKM per layanan")
    columns = 1 if len(rows) <= SERVICE_ROWS // 2 else 2
    per_column = min(SERVICE_ROWS, -(-len(rows) // columns))
    gap = 6 * mm
    width = (INNER - gap * (columns - 1)) / columns
    row = 4.4 * mm
    lowest = top
    for c in range(columns):
        x = MARGIN + c * (width + gap)
        y = top - 5.5 * mm
        page.setFont("VeraBd", 8)
        page.drawString(x, y, "Layanan")
        page.drawRightString(x + width - 26 * mm, y, "Responden")
        page.drawRightString(x + width - 11 * mm, y, "IKM")
        page.drawString(x + width - 8 * mm, y, "Mutu")
        page.setStrokeGray(0.6)
        page.line(x, y - 1.5 * mm, x + width, y - 1.5 * mm)
        for name, index in rows[c * per_column:(c + 1) * per_column]:
            y -= row
            page.setFont("Vera", 8)
            page.setFillGray(0)
            page.drawString(x, y, _fit(name, "Vera", 8, width - 46 * mm))
            page.drawRightString(x + width - 26 * mm, y, str(index.respondents))
            page.drawRightString(x + width - 11 * mm, y, fmt(index.ikm))
            page.setFillColorRGB(*_hex(GRADE_COLOURS[index.grade.letter]))
            page.setFont("VeraBd", 8)
            page.drawString(x + width - 8 * mm, y, index.grade.letter)
        lowest = min(lowest, y)
    page.setFillGray(0)
    left = len(rows) - per_column * columns
    if left > 0:
        lowest -= row
        page.setFillGray(0.35)
        page.setFont("Vera", 8)
        page.drawString(MARGIN, lowest, f"… dan {left} layanan lain (lihat sheet SKM di rekap).")
        page.setFillGray(0)
    return lowest - 8 * mm


def _profile(page: Canvas, result: Result, top: float) -> float:
    page.setFont("VeraBd", 10)
    page.drawString(MARGIN, top, "Profil responden")
    counts = profile(result.answers)
    column = INNER / 4
    lowest = top
    for i, (title, counter) in enumerate(counts.items()):
        x = MARGIN + i * column
        y = top - 5.5 * mm
        page.setFont("VeraBd", 8)
        page.drawString(x, y, title)
        page.setFont("Vera", 8)
        order = PROFILE_ORDER[title]
        for value, count in sorted(counter.items(), key=lambda item: order.index(item[0]) if item[0] in order
                                   else len(order))[:9]:
            y -= 4.2 * mm
            page.drawString(x, y, _fit(value, "Vera", 8, column - 12 * mm))
            page.drawRightString(x + column - 4 * mm, y, str(count))
        lowest = min(lowest, y)
    return lowest - 8 * mm


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The first line of `text` that fits `width`, with an ellipsis when something was cut."""
    lines = simpleSplit(text, font, size, width)
    if len(lines) <= 1:
        return text
    return simpleSplit(text, font, size, width - pdfmetrics.stringWidth(" …", font, size))[0] + " …"


def _suggestions(page: Canvas, result: Result, top: float) -> None:
    counted = Counter(redact(a.suggestion.strip()) for a in result.answers if a.suggestion.strip())
    page.setFont("VeraBd", 10)
    page.drawString(MARGIN, top, f"Saran dan masukan ({sum(counted.values())})")
    page.setFont("Vera", 8.5)
    y = top - 5.5 * mm
    shown = 0
    texts = [text + (f" ({count}×)" if count > 1 else "") for text, count in counted.most_common()]
    for text in texts:
        lines = simpleSplit(f"• {text}", "Vera", 8.5, INNER)
        if len(lines) > 3:  # a long one is cut, not allowed to fill the page
            lines = lines[:2] + [_fit(" ".join(lines[2:]), "Vera", 8.5, INNER)]
        if y - len(lines) * 4 * mm < _BOTTOM + 4 * mm:
            break
        for line in lines:
            page.drawString(MARGIN, y, line)
            y -= 4 * mm
        shown += 1
    if not texts:
        page.drawString(MARGIN, y, "Tidak ada saran tertulis pada periode ini.")
    elif shown < len(texts):
        page.setFillGray(0.35)
        page.drawString(MARGIN, y, f"… dan {len(texts) - shown} saran lain (lihat tab Survei).")
        page.setFillGray(0)
