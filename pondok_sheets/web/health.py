"""`/healthz`: 200 while the last sync succeeded recently, 503 with a short reason otherwise.

Uptime monitors and a host's health check read it, so it costs no Google request and says
nothing about any resident: the reason is one of a few fixed sentences (register/health.py).
"""
from __future__ import annotations

from flask import Blueprint

from ..flow.health import sync_health
from . import current_office as office

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """`{"status": "ok"}` while syncs succeed; `{"status": "gagal", "alasan": …}` with 503 when not."""
    here = office()
    verdict = sync_health(here, here.now())
    body = {"status": "ok" if verdict.healthy else "gagal", "sinkron_terakhir": here.state.meta.get("synced_at", "")}
    if not verdict.healthy:
        body["alasan"] = verdict.reason
    return body, 200 if verdict.healthy else 503
