"""Public pages: the services, the request form, the receipt and status of a ticket."""
from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from ..documents import qr
from ..errors import InvalidInput
from ..flow.catalogue import lookup
from ..flow.intake import submit
from ..register.model import Channel
from . import current_office as office

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

FORM_FIELDS = ("nama", "nik", "wa", "keterangan", "setuju")
HONEYPOT = "situs_web"  # hidden from people; bots that fill every field fill it


@bp.get("/")
def index() -> str:
    """The services the office offers, with what to bring and how long it takes."""
    return render_template("index.html", services=office().state.meta.services(), chat=office().links.chat())


@bp.route("/ajukan/<kode>", methods=["GET", "POST"])
def apply(kode: str):
    """The request form for one service; a valid submission goes to its receipt."""
    service = next((s for s in office().state.meta.services() if s.code.casefold() == kode.casefold()), None)
    if service is None:
        abort(404, description="Layanan itu tidak ada atau sedang tidak dibuka.")
    values = {f: request.form.get(f, "") for f in FORM_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get(HONEYPOT):
        log.info("form refused: honeypot filled")
        errors = {"form": "Permohonan tidak bisa diproses. Muat ulang halaman lalu isi lagi."}
    elif request.method == "POST":
        try:
            ticket = submit(office(), service.code, values, Channel.FORM)
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            return redirect(url_for("pages.ticket", tiket=ticket), code=303)
    return render_template("form.html", service=service, values=values, errors=errors), (422 if errors else 200)


@bp.get("/tiket/<tiket>")
def ticket(tiket: str) -> Response:
    """A ticket's receipt and status, without any personal data."""
    found = lookup(office(), tiket)
    if found is None:
        abort(404, description="Tiket itu tidak kami temukan. Periksa kembali nomornya.")
    service = next((s for s in office().state.meta.services(active_only=False) if s.name == found.service), None)
    link = office().links.at(request.host_url).ticket(found.ticket)
    share = "https://wa.me/?text=" + quote(f"Tiket {found.ticket} ({found.service}): cek status di {link}")
    page = render_template("ticket.html", t=found, service=service, timeline=office().state.snapshot.timeline(found.ticket),
                           code=Markup(qr.svg(link)), link=link, share=share)  # the QR drawn once, then cached
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


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """For the host's health check: the app answers and its state is readable."""
    return {"status": "ok", "sinkron_terakhir": office().state.meta.get("synced_at", "")}
