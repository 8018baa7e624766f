"""Letters on the web: the staff-only signed link to a letter, and the public verification page.

`/surat/<token>` is only ever written into the register's Surat cell: never on a public
page or in a resident's message. `/verifikasi/<code>` is what a letter's QR code opens; it
answers from the local snapshot of the last sync, with no request to Google.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..errors import LetterTemplateError, LinkError, StoreError, UnknownTicket
from ..flow.letter_files import pdf_of, render_for_link
from ..register.letter_codes import normalize_code
from . import current_office

log = logging.getLogger(__name__)
bp = Blueprint("letters", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def _refused(code: int, title: str, text: str):
    return render_template("error.html", code=code, title=title, text=text), code, PRIVATE


def _serve(token: str, as_pdf: bool):
    office = current_office()
    try:
        letter = render_for_link(office, token, office.now())
    except LinkError as error:
        log.info("letter link refused: %s", error.reason)
        return _refused(403, "Tautan surat tidak sah", f"{error} Tautan surat hanya untuk petugas kantor desa.")
    except UnknownTicket:
        return _refused(404, "Surat tidak ditemukan", "Permohonan atau nomor suratnya tidak ada lagi di register.")
    except LetterTemplateError as error:
        return _refused(422, "Surat tidak bisa dibuat", str(error))
    except StoreError as error:
        return _refused(503, "Register tidak bisa dibaca", f"{error} Coba lagi beberapa saat lagi.")
    if as_pdf:
        pdf = pdf_of(letter)
        if pdf is None:
            return _refused(404, "PDF tidak tersedia", "LibreOffice tidak terpasang di server. Buka berkas .docx "
                                                       "dengan Word atau Google Dokumen, lalu cetak dari sana.")
        name, body, kind = letter.filename.replace(".docx", ".pdf"), pdf, "application/pdf"
    else:
        name, body, kind = letter.filename, letter.docx, DOCX
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=kind, headers=headers)


@bp.get("/surat/<token>")
def letter_docx(token: str):
    """The letter as .docx, for staff holding a signed, unexpired link."""
    return _serve(token, as_pdf=False)


@bp.get("/surat/<token>/pdf")
def letter_pdf(token: str):
    """The same letter as PDF, where the host has LibreOffice."""
    return _serve(token, as_pdf=True)


@bp.get("/verifikasi")
def verify_form():
    """Type the code printed under a letter's QR code."""
    code = normalize_code(request.args.get("kode", ""))
    if code:
        return redirect(url_for("letters.verify_letter", code=code), code=303)
    return render_template("verify.html", letter=None, code="", asked=False)


@bp.get("/verifikasi/<code>")
def verify_letter(code: str):
    """Is this letter genuine: its number, kind, date, village, the masked name, revoked or not."""
    wanted = normalize_code(code)
    letter = current_office().state.letters.find(wanted)
    page = render_template("verify.html", letter=letter, code=wanted, asked=True)
    return (page, 200) if letter else (page, 404)
