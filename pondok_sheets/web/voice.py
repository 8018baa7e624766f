"""The residents' voice: the satisfaction survey (/survei) and complaints (/pengaduan). Never a request to Google."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..errors import InvalidInput
from ..flow import complaints, survey
from ..register.survey import AGE_BANDS, ALREADY_ANSWERED, EDUCATIONS, ELEMENTS, OCCUPATIONS, SEXES, THANKS
from . import current_office as office
from .pages import HONEYPOT

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)

SURVEY_FIELDS = tuple(f"u{e.number}" for e in ELEMENTS) + ("jk", "umur", "pendidikan", "pekerjaan", "saran")
COMPLAINT_FIELDS = ("kategori", "isi", "lokasi", "wa", "kontak")
# The nine unsur two to a screen (a 360×740 phone holds two questions with their four 44-px
# options; three took ~860 px), then the respondent's facts and the suggestion.
GROUPS = tuple(ELEMENTS[i:i + 2] for i in range(0, len(ELEMENTS), 2))
REFUSED = {"form": "Isian tidak bisa diproses. Muat ulang halaman lalu isi lagi."}


@bp.get("/survei")
def survey_start():
    """The counter QR's page: type or scan a ticket, then answer the survey for that request."""
    typed = request.args.get("tiket", "").strip()
    if not typed:
        return render_template("survey_start.html", typed="", problem="")
    token = survey.token_for_typed(office(), typed)
    if token is None:
        problem = ("Tiket itu belum kami temukan, atau permohonannya belum selesai. "
                   "Survei bisa diisi setelah permohonan selesai.")
        return render_template("survey_start.html", typed=typed, problem=problem), 404
    return redirect(url_for("voice.survey_answer", token=token), code=303)


@bp.route("/survei/<token>", methods=["GET", "POST"])
def survey_answer(token: str):
    """The questionnaire for one request; answered once, then 'sudah diisi, terima kasih'."""
    found = survey.ticket_for_token(office(), token)
    if found is None:
        abort(404, description="Tautan survei itu tidak kami kenal. Periksa kembali tautannya.")
    if survey.is_answered(office(), found.ticket):
        return render_template("survey_done.html", message=ALREADY_ANSWERED)
    values = {f: request.form.get(f, "") for f in SURVEY_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get(HONEYPOT):
        log.info("survey refused: honeypot filled")
        errors = dict(REFUSED)
    elif request.method == "POST":
        try:
            fresh = survey.submit_answer(office(), found, values)
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            return render_template("survey_done.html", message=THANKS if fresh else ALREADY_ANSWERED)
    return render_template("survey.html", service=found.service, groups=GROUPS, values=values, errors=errors,
                           sexes=SEXES, ages=AGE_BANDS, educations=EDUCATIONS,
                           occupations=OCCUPATIONS), (422 if errors else 200)


@bp.route("/pengaduan", methods=["GET", "POST"])
def complaint_form():
    """File a complaint or suggestion (anonymous allowed), and the latest ones with their answers."""
    values = {f: request.form.get(f, "") for f in COMPLAINT_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get(HONEYPOT):
        log.info("complaint refused: honeypot filled")
        errors = dict(REFUSED)
    elif request.method == "POST":
        try:
            ticket = complaints.file_complaint(office(), values)
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            return redirect(url_for("voice.complaint", tiket=ticket, baru=1), code=303)
    return render_template("complaint_form.html", values=values, errors=errors,
                           categories=complaints.categories(office()),
                           recent=complaints.recent(office())), (422 if errors else 200)


@bp.get("/pengaduan/<tiket>")
def complaint(tiket: str):
    """One complaint as anyone may see it: category, date, status, response; the text only if staff show it."""
    found = complaints.find(office(), tiket)
    if found is None:
        abort(404, description="Pengaduan dengan tiket itu tidak kami temukan. Periksa kembali nomornya.")
    return render_template("complaint.html", c=found, new=bool(request.args.get("baru")))
