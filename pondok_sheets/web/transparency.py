"""/statistik: how many requests, how fast, how often on time; the survey's IKM; complaints answered.

No personal data, no request to Google: everything comes from the snapshot of the last sync.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from markupsafe import Markup

from ..documents.charts import nrr_bar_chart
from ..flow import complaints, survey
from ..register.stats import DONE, period, records_from
from ..register.survey_index import SHORT_NAMES, fmt
from . import current_office

bp = Blueprint("transparency", __name__)
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@bp.get("/statistik")
def statistics() -> str:
    """This month and all time, per service; the current semester's IKM; complaints per category."""
    office = current_office()
    now = office.now()
    records = records_from(office.state.snapshot.public_statuses(), office.state.snapshot.first_seen(DONE))
    services = office.state.meta.services()
    periods = [
        period(f"Bulan ini ({MONTHS[now.month - 1]} {now.year})", records, services, since=now.date().replace(day=1)),
        period("Sejak awal", records, services),
    ]
    result = survey.published(office)
    index = result.overall
    skm = {"result": result, "ikm": fmt(index.ikm) if index else "",
           "chart": Markup(nrr_bar_chart(index.nrr)) if index else "",
           "lowest": [(SHORT_NAMES[i], fmt(index.nrr[i])) for i in index.lowest(3)] if index else []}
    return render_template("statistics.html", periods=periods, skm=skm, complaints=complaints.public_figures(office),
                           synced_at=office.state.meta.get("synced_at", ""))
