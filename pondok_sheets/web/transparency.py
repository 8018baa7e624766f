"""/statistik: how many requests, how fast, how often on time. No personal data, no request to Google."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..register.stats import DONE, period, records_from
from . import current_office

bp = Blueprint("transparency", __name__)
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@bp.get("/statistik")
def statistics() -> str:
    """This month and all time, per service, from the snapshot of the last sync."""
    office = current_office()
    now = office.now()
    records = records_from(office.state.snapshot.public_statuses(), office.state.snapshot.first_seen(DONE))
    services = office.state.meta.services()
    periods = [
        period(f"Bulan ini ({MONTHS[now.month - 1]} {now.year})", records, services, since=now.date().replace(day=1)),
        period("Sejak awal", records, services),
    ]
    return render_template("statistics.html", periods=periods, synced_at=office.state.meta.get("synced_at", ""))
