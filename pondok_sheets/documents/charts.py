"""Charts drawn on the server as inline SVG: no JavaScript, no other host, a few kilobytes."""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from xml.sax.saxutils import escape

from ..register.survey_index import SHORT_NAMES, fmt, nrr_grade

# One colour per mutu, dark enough for white-on-colour contrast and distinct without colour names.
GRADE_COLOURS = {"A": "#0b5d3b", "B": "#2f7d4f", "C": "#b45309", "D": "#b91c1c"}
_ROW = 34
_TOP = 8
_LEFT = 8
_VALUE_WIDTH = 44


def nrr_bar_chart(nrr: Sequence[Fraction | float], width: int = 360,
                  title: str = "Nilai rata-rata (NRR) per unsur pelayanan, skala 1–4") -> str:
    """Nine horizontal bars, one per unsur, each labelled in Bahasa Indonesia with its NRR (e.g. 3,25).

    Bars are horizontal so the unsur names can be read whole on a 360-px phone; the SVG
    scales to its container (width 100%) and keeps its proportions.
    """
    values = [Fraction(v) if not isinstance(v, Fraction) else v for v in nrr]
    height = _TOP + _ROW * len(values) + 18
    track = width - _LEFT - _VALUE_WIDTH
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
         f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="13">'),
        f"<title>{escape(title)}</title>",
    ]
    for i, value in enumerate(values):
        y = _TOP + i * _ROW
        bar = max(1.0, float(value) / 4 * track)
        colour = GRADE_COLOURS[nrr_grade(value).letter]
        name = SHORT_NAMES[i] if i < len(SHORT_NAMES) else f"Unsur {i + 1}"
        parts.append(f'<text x="{_LEFT}" y="{y + 11}" fill="#222">U{i + 1} {escape(name)}</text>')
        parts.append(f'<rect x="{_LEFT}" y="{y + 15}" width="{track}" height="12" fill="#e5e7eb"/>')
        parts.append(f'<rect class="bar" x="{_LEFT}" y="{y + 15}" width="{bar:.1f}" height="12" fill="{colour}">'
                     f"<title>U{i + 1} {escape(name)}: {fmt(value)}</title></rect>")
        parts.append(f'<text x="{width - 4}" y="{y + 26}" text-anchor="end" font-weight="bold" '
                     f'fill="#222">{fmt(value)}</text>')
    axis_y = _TOP + _ROW * len(values) + 12
    for tick in range(1, 5):
        x = _LEFT + tick / 4 * track
        anchor = "end" if tick == 4 else "middle"
        parts.append(f'<text x="{x:.1f}" y="{axis_y}" text-anchor="{anchor}" font-size="11" fill="#555">{tick}</text>')
    parts.append("</svg>")
    return "".join(parts)
