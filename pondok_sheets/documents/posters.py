"""The printable A4 poster: every service with its QR code; the chat, status, complaint and survey codes; hours.

One layout, two renderers: reportlab for the PDF that gets printed, Pillow for the PNG that
gets shared in WhatsApp groups (200 dpi, so it stays legible on a phone). Both use the
Bitstream Vera fonts that ship with reportlab, so no font has to be installed.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import reportlab

from ..register.links import Links
from ..register.model import Service
from . import qr

A4 = (210.0, 297.0)  # mm
MARGIN = 12.0
PNG_DPI = 200
FONTS = Path(os.path.dirname(reportlab.__file__)) / "fonts"
BRAND = (11, 93, 59)


@dataclass(frozen=True)
class Text:
    """Text wrapped inside width `w` (mm), top-left at (x, y), at most `lines` lines."""

    x: float
    y: float
    w: float
    text: str
    size: float
    bold: bool = False
    lines: int = 3
    color: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class Qr:
    """A QR code of `url`, `size` mm square, top-left at (x, y)."""

    x: float
    y: float
    size: float
    url: str


@dataclass(frozen=True)
class Box:
    """A rounded frame or a filled band."""

    x: float
    y: float
    w: float
    h: float
    fill: tuple[int, int, int] | None = None


Item = Text | Qr | Box


@dataclass(frozen=True)
class Masthead:
    """What the poster says about the office itself."""

    village: str
    office_hours: str
    links: Links


def layout(office: Masthead, services: Sequence[Service], only: Service | None = None) -> list[Item]:
    """Everything on the poster, in mm from the top-left corner of an A4 portrait page."""
    width, height = A4
    inner = width - 2 * MARGIN
    targets = qr.targets(office.links, services, office.village)
    items: list[Item] = [
        Box(0, 0, width, 34, fill=BRAND),
        Text(MARGIN, 8, inner, f"Layanan Surat Kantor Desa {office.village}", 20, bold=True, lines=1,
             color=(255, 255, 255)),
        Text(MARGIN, 20, inner, "Ajukan dari HP: pindai kode QR, isi formulir, simpan nomor tiket. "
                                "Kami kabari lewat WhatsApp bila surat siap.", 10, lines=2, color=(255, 255, 255)),
    ]
    footer_top = height - MARGIN - 48
    if only is not None:
        items += _single(only, targets[only.code.casefold()].url, footer_top)
    else:
        items += _grid(services, targets, footer_top)
    items += _footer(office, targets, footer_top)
    return items


def _grid(services: Sequence[Service], targets: dict[str, qr.QrTarget], bottom: float) -> list[Item]:
    top, gap = 40.0, 4.0
    rows = max(1, math.ceil(len(services) / 2))
    cell_w = (A4[0] - 2 * MARGIN - gap) / 2
    cell_h = min(62.0, (bottom - top - gap * rows) / rows)
    size = min(cell_h - 6, 40.0)
    items: list[Item] = []
    for i, service in enumerate(services):
        x = MARGIN + (i % 2) * (cell_w + gap)
        y = top + (i // 2) * (cell_h + gap)
        text_x, text_w = x + size + 5, cell_w - size - 8
        items += [
            Box(x, y, cell_w, cell_h),
            Qr(x + 2, y + (cell_h - size) / 2, size, targets[service.code.casefold()].url),
            Text(text_x, y + 3, text_w, service.name, title_size(service.name, text_w), bold=True, lines=2),
            Text(text_x, y + 12.5, text_w, f"Selesai dalam {service.days} hari kerja", 8, lines=1,
                 color=BRAND),
            Text(text_x, y + 17.5, text_w, "Bawa: " + "; ".join(service.requirements), 7.5,
                 lines=max(1, int((cell_h - 19) / 3.4))),
        ]
    return items


def title_size(title: str, width: float, sizes: Sequence[float] = (10.5, 9.5, 8.5, 7.5)) -> float:
    """The largest bold size at which a service's name fits two lines of `width` mm, never cut short."""
    from reportlab.pdfbase import pdfmetrics

    _register_fonts()
    points = width * 72 / 25.4
    for size in sizes:
        if len(_wrap(title, points, lambda t: pdfmetrics.stringWidth(t, "VeraBd", size), 99)) <= 2:
            return size
    return sizes[-1]


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))


def _single(service: Service, url: str, bottom: float) -> list[Item]:
    size = 110.0
    x = (A4[0] - size) / 2
    needs = "\n".join(f"• {r}" for r in service.requirements)
    return [
        Text(MARGIN, 40, A4[0] - 2 * MARGIN, service.name, 22, bold=True, lines=2),
        Text(MARGIN, 58, A4[0] - 2 * MARGIN, f"Selesai dalam {service.days} hari kerja · pindai untuk mengajukan",
             12, lines=1, color=BRAND),
        Qr(x, 66, size, url),
        Text(MARGIN, 66 + size + 4, A4[0] - 2 * MARGIN, "Yang perlu dibawa saat mengambil surat:", 12, bold=True,
             lines=1),
        Text(MARGIN, 66 + size + 11, A4[0] - 2 * MARGIN, needs, 11, lines=max(1, int((bottom - 66 - size - 13) / 5))),
    ]


def _footer(office: Masthead, targets: dict[str, qr.QrTarget], top: float) -> list[Item]:
    codes = [(name, label) for name, label in (("wa", "Chat WhatsApp: ajukan atau CEK tiket"),
                                                ("cek", "Cek status permohonan"),
                                                ("pengaduan", "Pengaduan dan saran"),
                                                ("survei", "Survei kepuasan (ketik nomor tiket)"))
             if name in targets]
    # Smaller codes as there are more, so the office's hours keep ~50 mm; 28 mm still scans at arm's length.
    size, gap = {1: (40.0, 14.0), 2: (40.0, 14.0), 3: (34.0, 10.0)}.get(len(codes), (28.0, 6.0))
    x = MARGIN
    items: list[Item] = [Box(MARGIN, top - 2, A4[0] - 2 * MARGIN, 0.4, fill=(180, 180, 180))]
    for name, label in codes:
        items += [Qr(x, top + 2, size, targets[name].url),
                  Text(x, top + size + 2.5, size + gap - 1, label, 7.5, lines=2)]
        x += size + gap
    info = (f"Jam pelayanan: {office.office_hours}\nSitus: {office.links.base}\n"
            "Data pribadi Anda hanya dipakai untuk memproses permohonan.")
    items.append(Text(x + 2, top + 6, A4[0] - MARGIN - x - 2, info, 9, lines=9))  # 9 lines: 40 mm, the footer is 48
    return items


def render_pdf(items: Sequence[Item], out: Path) -> None:
    """Write the poster as a one-page A4 PDF (vector text and QR codes)."""
    from reportlab.lib.pagesizes import A4 as A4_POINTS
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    _register_fonts()
    page = canvas.Canvas(str(out), pagesize=A4_POINTS)
    page.setTitle("Poster layanan")
    top = A4_POINTS[1]
    for item in items:
        if isinstance(item, Box):
            if item.fill:
                page.setFillColorRGB(*(c / 255 for c in item.fill))
                page.rect(item.x * mm, top - (item.y + item.h) * mm, item.w * mm, item.h * mm, stroke=0, fill=1)
            else:
                page.setStrokeColorRGB(0.75, 0.75, 0.75)
                page.roundRect(item.x * mm, top - (item.y + item.h) * mm, item.w * mm, item.h * mm, 2 * mm)
        elif isinstance(item, Qr):
            modules = qr.matrix(item.url)
            cell = item.size * mm / len(modules)
            page.setFillColorRGB(0, 0, 0)
            for r, row in enumerate(modules):
                for c, dark in enumerate(row):
                    if dark:
                        page.rect(item.x * mm + c * cell, top - item.y * mm - (r + 1) * cell, cell, cell,
                                  stroke=0, fill=1)
        else:
            font = "VeraBd" if item.bold else "Vera"
            lines = _wrap(item.text, item.w * mm, lambda t: pdfmetrics.stringWidth(t, font, item.size), item.lines)
            page.setFillColorRGB(*(c / 255 for c in item.color))
            page.setFont(font, item.size)
            for i, line in enumerate(lines):
                page.drawString(item.x * mm, top - item.y * mm - item.size * (1.0 + 1.25 * i), line)
    page.showPage()
    page.save()


def render_png(items: Sequence[Item], out: Path, dpi: int = PNG_DPI) -> None:
    """Write the poster as an A4 PNG at `dpi` (200 by default) for sharing on phones."""
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / 25.4
    image = Image.new("RGB", (round(A4[0] * px), round(A4[1] * px)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[tuple[bool, float], ImageFont.FreeTypeFont] = {}
    for item in items:
        if isinstance(item, Box):
            box = [item.x * px, item.y * px, (item.x + item.w) * px, (item.y + item.h) * px]
            if item.fill:
                draw.rectangle(box, fill=item.fill)
            else:
                draw.rounded_rectangle(box, radius=2 * px, outline=(190, 190, 190), width=max(1, round(px / 3)))
        elif isinstance(item, Qr):
            modules = qr.matrix(item.url)
            side = round(item.size * px)
            cell = max(1, side // len(modules))
            code = Image.new("1", (len(modules), len(modules)), 1)
            code.putdata([0 if dark else 1 for row in modules for dark in row])
            image.paste(code.resize((cell * len(modules),) * 2, Image.NEAREST), (round(item.x * px), round(item.y * px)))
        else:
            size = item.size / 72 * dpi  # points to pixels
            key = (item.bold, size)
            if key not in fonts:
                fonts[key] = ImageFont.truetype(str(FONTS / ("VeraBd.ttf" if item.bold else "Vera.ttf")), round(size))
            font = fonts[key]
            for i, line in enumerate(_wrap(item.text, item.w * px, font.getlength, item.lines)):
                draw.text((item.x * px, item.y * px + i * size * 1.25), line, font=font, fill=item.color)
    image.save(out, format="PNG", dpi=(dpi, dpi))


def _wrap(text: str, width: float, measure, max_lines: int) -> list[str]:
    """Greedy word wrap honouring newlines; the last kept line ends with '…' if text was cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if measure(candidate) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and measure(lines[-1] + " …") > width:
            lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else lines[-1][:-1]
        lines[-1] += " …"
    return lines


def write_poster(office: Masthead, services: Sequence[Service], out: Path, only: Service | None = None) -> None:
    """The poster into `out`: PDF or PNG by the file's extension."""
    items = layout(office, services, only)
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        render_pdf(items, out)
    elif suffix == ".png":
        render_png(items, out)
    else:
        raise ValueError("Nama file poster harus berakhiran .pdf atau .png")
