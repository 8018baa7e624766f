"""/webhook/whatsapp: Meta's verification GET and signed event POSTs, answered at once."""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from ..errors import MalformedWebhook
from ..whatsapp.webhook import events, signature_ok
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
    """Store the events (de-duplicated) and answer 200; the work happens after."""
    office = current_office()
    request.max_content_length = 8 * 1024 * 1024  # Meta batches up to 1,000 updates; forms stay at 64 KB
    body = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    if not signature_ok(office.settings.wa_app_secret, body, header):
        log.warning("webhook refused: %s signature", "missing" if not header else "wrong")
        return Response("tanda tangan tidak sah", status=401 if not header else 403, mimetype="text/plain")
    try:
        found = list(events(json.loads(body)))
    except (ValueError, MalformedWebhook) as error:
        log.warning("webhook refused: malformed body (%s)", type(error).__name__)
        return Response("isi tidak sah", status=400, mimetype="text/plain")
    new = office.state.inbox.add(found, office.now())
    if new:
        inbox_worker().kick()
    return Response("OK", mimetype="text/plain")
