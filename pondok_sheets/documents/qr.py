"""QR codes for the posters and pages: each service's form, the landing page, the status look-up, the chat.

Drawing a code costs ~10 ms of CPU, and a page shows the same few codes again and again: each
drawing is kept in memory by its content (the URL), a bounded number of them.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from ..register.links import Links
from ..register.model import Service


@dataclass(frozen=True)
class QrTarget:
    """Where one QR code leads, and what the poster says under it."""

    name: str
    label: str
    url: str


def targets(links: Links, services: Sequence[Service], village: str) -> dict[str, QrTarget]:
    """Every QR code the office can print, by name (a service's code, `beranda`, `cek`, `wa`, `pengaduan`, `survei`)."""
    found = {s.code.casefold(): QrTarget(s.code, s.name, links.form(s)) for s in services}
    found["beranda"] = QrTarget("beranda", f"Layanan Kantor Desa {village}", links.home())
    found["cek"] = QrTarget("cek", "Cek status permohonan", links.check())
    found["pengaduan"] = QrTarget("pengaduan", "Pengaduan dan saran", links.complaints())
    found["survei"] = QrTarget("survei", "Survei kepuasan (ketik nomor tiket)", links.survey())
    if links.chat():
        found["wa"] = QrTarget("wa", "Chat WhatsApp kantor desa", links.chat())
    return found


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


CACHED = 512  # drawings kept: every ticket page's own code plus the poster's; ~2-4 kB each


@lru_cache(maxsize=CACHED)
def svg(url: str) -> str:
    """The QR code as one compact SVG path (scales to any size, small on slow data).

    Each row's dark runs are strokes one module high (`m2 0h7`): about a third of the bytes of
    a square per module, which keeps the poster page, with ten codes, under the 60 KB budget.
    """
    rows = _code(url).get_matrix()
    size = len(rows)
    path = []
    for y, row in enumerate(rows):
        x, pen = 0, 0
        parts = []
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            parts.append(f"{start - pen} 0h{x - start}" if parts else f"M{start} {y}.5h{x - start}")
            pen = x
        if parts:
            path.append(parts[0] + "".join("m" + p for p in parts[1:]))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}mm" '
            f'height="{size}mm" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path stroke="#000" d="{"".join(path)}"/></svg>')


@lru_cache(maxsize=64)
def png(url: str, box: int = 10) -> bytes:
    """The QR code as a black-on-white PNG, `box` pixels per module."""
    code = _code(url)
    code.box_size = box
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def matrix(url: str) -> list[list[bool]]:
    """The modules of the QR code, quiet zone included, for drawing on posters."""
    return _code(url).get_matrix()
