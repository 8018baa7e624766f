"""How the last sync ended, kept for `/healthz` (the rules of the verdict are in register/health.py).

The sync writes it (`note_health`) and the web reads it (`sync_health`); neither needs the other,
so this module imports nothing of the flow.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..register import health

if TYPE_CHECKING:
    from ..office import Office

HEALTH_KEY = "sync_health"  # in meta: how the last sync ended


def note_health(office: Office, now: datetime, error: str) -> None:
    """Keep how a sync ended (`error` empty when it ran to the end), for /healthz: the kind of failure only,
    never its text."""
    failure = "" if not error else health.WHATSAPP if error.startswith("WhatsApp") else health.REGISTER
    office.state.meta.set(HEALTH_KEY, {"at": now.isoformat(), "failure": failure})


def sync_health(office: Office, now: datetime) -> health.Verdict:
    """Whether the last sync succeeded, recently enough (see register/health.py)."""
    last = office.state.meta.get(HEALTH_KEY) or {}
    at = datetime.fromisoformat(last["at"]) if last.get("at") else None
    return health.judge(at, last.get("failure", ""), now, office.settings.sync_minutes)
