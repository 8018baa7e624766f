"""Public pages: the services, the request form, the receipt and status of a ticket."""
from __future__ import annotations

import logging
import re
import secrets

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from ..documents import qr
from ..errors import InvalidInput
from ..flow import survey
from ..flow.catalogue import lookup
from ..flow.intake import submit_form
from ..register.dates import date_time
from ..register.model import Status
from ..register.stamps import parse_stamp
from . import current_office as office

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

FORM_FIELDS = ("nama", "nik", "wa", "keterangan", "setuju")
HONEYPOT = "situs_web"  # hidden from people; bots that fill every field fill it
SUBMISSION = "kiriman"  # the hidden one-time id of a form render: a double tap files once
SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")

# Each status in one sentence for the resident, and the colour class that says what it means.
STATUS_VIEW: dict[str, tuple[str, str]] = {
    Status.BARU.value: ("baru", "Permohonan sudah kami terima dan menunggu diperiksa petugas."),
    Status.DIPROSES.value: ("proses", "Petugas sedang menyiapkan surat Anda."),
    Status.PERLU_DILENGKAPI.value: ("lengkapi", "Ada yang perlu Anda lengkapi: lihat pesan WhatsApp dari kami, "
                                                "atau datang ke kantor desa pada jam pelayanan."),
    Status.SIAP_DIAMBIL.value: ("siap", "Surat sudah siap. Ambil di kantor desa pada jam pelayanan, dengan "
                                        "membawa persyaratan di bawah."),
    Status.SELESAI.value: ("selesai", "Surat sudah diambil; permohonan ini selesai."),
    Status.DITOLAK.value: ("tolak", "Permohonan ini tidak dapat kami proses. Alasannya kami kirim lewat WhatsApp; "
                                    "tanyakan di kantor desa bila perlu."),
}
NOTICES = {
    "baru": "Terima kasih, permohonan Anda sudah kami terima.",
    "ulang": "Permohonan ini sudah kami terima sebelumnya, jadi tidak kami catat dua kali. Ini tiketnya.",
    "sama": "Permohonan yang sama baru saja Anda kirim, jadi tidak kami catat dua kali. Ini tiketnya.",
}


@bp.app_template_filter("waktu")
def moment_text(stamp: str) -> str:
    """A register time as residents read it: `2 Desember 2026, 04.37 WIB`."""
    moment = parse_stamp(str(stamp or ""), office().settings.timezone)
    return date_time(moment) if moment else str(stamp or "")


@bp.app_context_processor
def status_view() -> dict[str, object]:
    """`status_class(status)` and `status_text(status)` for every template."""
    def parts(status: str) -> tuple[str, str]:
        found = Status.parse(status or Status.BARU.value)
        return STATUS_VIEW.get(found.value if found else "", ("lain", "Tanyakan status ini di kantor desa."))

    return {"status_class": lambda s: parts(s)[0], "status_text": lambda s: parts(s)[1]}


@bp.get("/")
def index() -> str:
    """The services the office offers, with what to bring and how long it takes."""
    return render_template("index.html", services=office().state.meta.services(), chat=office().links.chat())


@bp.route("/ajukan/<kode>", methods=["GET", "POST"])
def apply(kode: str):
    """The request form for one service; a valid submission goes to its receipt, once."""
    service = next((s for s in office().state.meta.services() if s.code.casefold() == kode.casefold()), None)
    if service is None:
        abort(404, description="Layanan itu tidak ada atau sedang tidak dibuka.")
    values = {f: request.form.get(f, "") for f in FORM_FIELDS + tuple(s.key for s in service.fields)}
    submission = request.form.get(SUBMISSION, "")
    if not SUBMISSION_ID.fullmatch(submission):
        submission = secrets.token_hex(16) if request.method == "GET" else ""
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get(HONEYPOT):
        log.info("form refused: honeypot filled")
        errors = {"form": "Permohonan tidak bisa diproses. Muat ulang halaman lalu isi lagi."}
    elif request.method == "POST":
        try:
            ticket, repeated = submit_form(office(), service.code, values, submission)
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            return redirect(url_for("pages.ticket", tiket=ticket, kabar=repeated or "baru"), code=303)
    return render_template("form.html", service=service, values=values, errors=errors,
                           submission=submission or secrets.token_hex(16)), (422 if errors else 200)


@bp.get("/tiket/<tiket>")
def ticket(tiket: str) -> Response:
    """A ticket's receipt and status, without any personal data (no name either)."""
    found = lookup(office(), tiket)
    if found is None:
        abort(404, description="Tiket itu tidak kami temukan. Periksa kembali nomornya.")
    service = next((s for s in office().state.meta.services(active_only=False) if s.name == found.service), None)
    links = office().links.at(request.host_url)
    link, share = links.ticket(found.ticket), links.share(found.ticket, found.service)
    page = render_template("ticket.html", t=found, service=service, timeline=office().state.snapshot.timeline(found.ticket),
                           code=Markup(qr.svg(link)), link=link, share=share,  # the QR drawn once, then cached
                           notice=NOTICES.get(request.args.get("kabar", ""), ""),
                           survey_token=survey.ticket_page_token(office(), found, service))
    return conditional(page)


def conditional(page: str) -> Response:
    """The page with an ETag of its content: a phone viewing it again gets a 304 until the status changes."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-cache"  # always ask: the status may have changed since
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/cek")
def check():
    """Look a ticket up by what the resident typed."""
    text = request.args.get("tiket", "").strip()
    if not text:
        return render_template("check.html", text="", missing=False)
    found = lookup(office(), text)
    if found is None:
        return render_template("check.html", text=text, missing=True), 404
    return redirect(url_for("pages.ticket", tiket=found.ticket), code=303)

