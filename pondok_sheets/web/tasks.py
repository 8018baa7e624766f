"""POST /tasks/tick: an external cron pinger runs the due jobs on a host that sleeps between visits."""
from __future__ import annotations

import hmac
import logging

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ..flow.jobs import run_due
from . import current_office

log = logging.getLogger(__name__)
bp = Blueprint("tasks", __name__)
MAX_SENDS_PER_CALL = 40  # keeps one call well within a free host's request time-out


@bp.post("/tasks/tick")
def tick() -> ResponseReturnValue:
    """Run what is due, bounded; needs `Authorization: Bearer <PONDOK_TASK_TOKEN>`."""
    office = current_office()
    expected = office.settings.task_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
        log.warning("tasks/tick refused: %s", "PONDOK_TASK_TOKEN is not set" if not expected else "wrong token")
        return jsonify({"ok": False, "galat": "token tidak sah"}), 401
    result = run_due(office, office.now(), max_sends=MAX_SENDS_PER_CALL)
    return jsonify(result.as_json()), 200 if result.ok else 503
