"""Friendly pages in Bahasa Indonesia for every error; never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

TITLES = {
    400: "Permintaan tidak dapat diproses",
    404: "Halaman tidak ditemukan",
    405: "Cara membuka halaman ini salah",
    413: "Isian terlalu besar",
    429: "Terlalu banyak permintaan",
    500: "Maaf, ada gangguan",
}
DEFAULT_TEXT = {
    400: "Silakan kembali dan coba lagi.",
    404: "Alamat yang Anda buka tidak ada. Periksa kembali alamatnya atau mulai dari halaman utama.",
    405: "Silakan mulai lagi dari halaman utama.",
    413: "Isian Anda terlalu panjang. Persingkat lalu kirim lagi.",
    429: "Tunggu sebentar lalu coba lagi.",
    500: "Permohonan Anda yang sudah mendapat tiket tetap aman. Silakan coba lagi beberapa saat lagi.",
}


def _page(code: int, text: str | None = None):
    title = TITLES.get(code, TITLES[500])
    return render_template("error.html", code=code, title=title, text=text or DEFAULT_TEXT.get(code, "")), code


def register(app: Flask) -> None:
    """Install the error pages on `app`."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.info("form refused: CSRF token missing or wrong")
        return _page(400, "Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman formulir lalu kirim lagi.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        # A page that aborts with its own description (in Bahasa Indonesia) keeps it;
        # werkzeug's English default is replaced by ours.
        own = error.description if code == 404 and error.description != type(error).description else None
        return _page(code, own)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error while serving a page")
        return _page(500)
