"""QR codes for the posters and pages: each service's form, the landing page, the status look-up, the chat."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

from .config import Settings
from .register.forms import prefilled
from .register.model import Service

FIXED = ("beranda", "cek", "wa")
LOCAL_URL = "http://localhost:8080"  # where `serve` listens by default; doctor warns when links would point here


@dataclass(frozen=True)
class QrTarget:
    """Where one QR code leads, and what the poster says under it."""

    name: str
    label: str
    url: str


def base_url(settings: Settings, fallback: str = LOCAL_URL) -> str:
    """PONDOK_PUBLIC_URL, or the address the site was reached at (doctor warns when it is unset)."""
    return (settings.public_url or fallback).rstrip("/")


def chat_link(settings: Settings) -> str:
    """The office's WhatsApp chat, opened with a greeting so the menu comes back at once."""
    if settings.office_wa is None:
        return ""
    return f"https://wa.me/{settings.office_wa.digits}?text={quote('Halo')}"


def targets(settings: Settings, services: Sequence[Service], fallback: str = LOCAL_URL) -> dict[str, QrTarget]:
    """Every QR code the office can print, by name (a service's code, `beranda`, `cek`, `wa`)."""
    base = base_url(settings, fallback)
    # A service with a Google Form in Layanan's Formulir column is applied for there, service pre-filled.
    found = {s.code.casefold(): QrTarget(s.code, s.name, prefilled(s.form_url, s.name) if s.form_url
                                         else f"{base}/ajukan/{s.code}") for s in services}
    found["beranda"] = QrTarget("beranda", f"Layanan Kantor Desa {settings.village}", f"{base}/")
    found["cek"] = QrTarget("cek", "Cek status permohonan", f"{base}/cek")
    if settings.office_wa is not None:
        found["wa"] = QrTarget("wa", "Chat WhatsApp kantor desa", chat_link(settings))
    return found


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def svg(url: str) -> str:
    """The QR code as one compact SVG path (scales to any size, small on slow data)."""
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


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
