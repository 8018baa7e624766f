"""/webhook/whatsapp: Meta's verification GET and signed event POSTs, stored before the 200.

A signed body of any shape gets 200 once its events are stored, or 400 when it is not a WhatsApp
webhook at all: never a 500. The events are handled after the response: under uWSGI in the same
worker (`call_on_close`), because PythonAnywhere's web workers run no background threads; under
waitress (`serve`) and others by the inbox's background thread.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from ..flow.inbox import handle_inline
from ..whatsapp.events import is_webhook, parse_body
from ..whatsapp.webhook import signature_ok
from . import current_office, inbox_worker

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


@bp.get("/webhook/whatsapp")
def verify() -> Response:
    """Meta checks the callback URL: echo the challenge if the verify token matches."""
    settings = current_office().settings
    token = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") == "subscribe" and settings.wa_verify_token \
            and token == settings.wa_verify_token:
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    log.warning("webhook verification refused (wrong or missing verify token)")
    return Response("verifikasi ditolak", status=403, mimetype="text/plain")


@bp.post("/webhook/whatsapp")
def receive() -> Response:
    """Store the events (de-duplicated) and answer 200; they are handled once the answer is out."""
    office = current_office()
    request.max_content_length = 8 * 1024 * 1024  # Meta batches up to 1,000 updates; forms stay at 64 KB
    body = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    if not signature_ok(office.settings.wa_app_secret, body, header):
        log.warning("webhook refused: %s signature", "missing" if not header else "wrong")
        return Response("tanda tangan tidak sah", status=401 if not header else 403, mimetype="text/plain")
    found = parse_body(body)
    if not is_webhook(found):
        log.warning("webhook refused: not a WhatsApp webhook (%s)", getattr(found[0], "reason", "?"))
        return Response("isi tidak sah", status=400, mimetype="text/plain")
    office.state.inbox.add([(e.dedup_id, e.tag, e.to_dict()) for e in found], office.now())
    response = Response("OK", mimetype="text/plain")
    worker = inbox_worker()
    if "uwsgi.version" not in request.environ:
        worker.kick()  # waitress sends a small answer only once the request is done: a thread, not call_on_close
        return response

    def handle_after_response() -> None:
        try:
            handle_inline(office)
            if office.state.inbox.pending():
                worker.kick()  # the budget ran out (or another worker holds the inbox): a thread, where threads run
        except Exception:  # the answer is already out; the next sync handles what is left
            log.exception("webhook events could not be handled after the response")

    # uWSGI (PythonAnywhere) has written the answer before it closes the response; its web workers may run
    # no threads, so the events are handled here, in this worker, within a few seconds.
    response.call_on_close(handle_after_response)
    return response
