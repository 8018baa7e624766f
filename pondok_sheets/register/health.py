"""Whether the service is healthy, from what the last sync left behind: for `/healthz` and uptime monitors.

Healthy means the last sync ran to the end, and it ran recently: within a few sync intervals, and
never less than a quarter of an hour, so a cron pinger every five minutes may miss two pings. The
reasons are fixed sentences, so no register value (a name, a NIK, a number) can reach a monitor.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

INTERVALS = 3  # the last sync may be this many sync intervals old
FLOOR = timedelta(minutes=15)

# What a failed sync was about, as `/healthz` says it.
REGISTER = "register"
WHATSAPP = "whatsapp"
REASONS = {REGISTER: "register Google tidak bisa dibaca atau ditulis",
           WHATSAPP: "pengiriman WhatsApp berhenti"}


@dataclass(frozen=True)
class Verdict:
    """The answer of `/healthz`: healthy or not, and why not in one short sentence."""

    healthy: bool
    reason: str = ""


def stale_after(sync_minutes: int) -> timedelta:
    """How old the last sync may be while the service still counts as healthy."""
    return max(FLOOR, timedelta(minutes=INTERVALS * sync_minutes))


def judge(last_at: datetime | None, failure: str, now: datetime, sync_minutes: int) -> Verdict:
    """The verdict for a last sync at `last_at` (None: never) that failed with `failure` ("" when it succeeded)."""
    if last_at is None:
        return Verdict(False, "belum ada sinkron sejak layanan dipasang")
    if failure:
        return Verdict(False, f"sinkron terakhir gagal: {REASONS.get(failure, REASONS[REGISTER])}")
    age = now - last_at
    if age > stale_after(sync_minutes):
        return Verdict(False, f"sinkron terakhir {int(age.total_seconds() // 60)} menit lalu; "
                              "jadwal (serve, cron atau pinger) tidak berjalan")
    return Verdict(True)
