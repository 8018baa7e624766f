"""The catalogue and tickets outside a sync: a ticket's status, reading Layanan, preparing the register."""
from __future__ import annotations

import logging

from ..documents.rekap import Rekap, build_rekap
from ..errors import MissingHeader, StoreError
from ..office import Office
from ..register.catalog import service_to_dict, services_from_rows
from ..register.forms import TICKET
from ..register.model import LAYANAN, LAYANAN_SURVEI, PERMOHONAN, PublicStatus, TabSpec
from ..register.stats import DONE
from ..register.tickets import normalize_ticket
from ..stores import prepare_register
from .form_import import find_form_tab
from .survey import survey_sheet
from .voice import forget_missing

log = logging.getLogger(__name__)


def lookup(office: Office, text: str) -> PublicStatus | None:
    """A ticket's public status, from the snapshot (typed in any case, with or without a dash)."""
    return office.state.snapshot.public_status(normalize_ticket(text, office.settings.ticket_prefix))


def refresh_catalog(office: Office) -> None:
    """Read Layanan once and keep it for pages (used before the first sync)."""
    table = office.store.read([LAYANAN.name])[LAYANAN.name]
    services = services_from_rows([v for _, v in table.records(LAYANAN.headers + LAYANAN_SURVEI.headers)])
    office.state.meta.set("services", [service_to_dict(s) for s in services])


def prepare(office: Office) -> list[str]:
    """What `init-sheet` does: tabs, headers and seed (the linked form's Tiket column too),
    then the catalogue is read; returns what was done, in Bahasa Indonesia."""
    form = find_form_tab(office) if office.settings.uses_google else ""
    done = prepare_register(office.store, with_links=office.settings.wa_provider == "links",
                            extra=(TabSpec(form, (TICKET,)),) if form else ())
    if form:
        done.insert(0, f"Tab jawaban Google Form ditemukan: {form}.")
    forget_missing(office)  # the Survei and Pengaduan tabs exist now: read them at the next sync
    refresh_catalog(office)
    return done


def first_start(office: Office) -> None:
    """Before the first sync: the embedded default is seeded (local, quick). A Google Sheet is not read
    here: start-up must never wait on Google (a hanging read held `serve` from listening for 88 s), so
    pages show the built-in catalogue until the first sync reads Layanan."""
    if office.state.meta.get("services") or office.settings.uses_google:
        return
    try:
        prepare(office)
    except (StoreError, MissingHeader) as error:  # pages fall back to the built-in catalogue
        log.warning("could not prepare the local register at start-up: %s", error)


def rekap(office: Office, year: int, month: int) -> Rekap:
    """The monthly report, from one read of the register (and one more for its SKM sheet)."""
    table = office.store.read([PERMOHONAN.name])[PERMOHONAN.name]
    report = build_rekap(table, office.state.meta.services(active_only=False),
                         office.state.snapshot.first_seen(DONE), office.settings.village, year, month)
    report.skm = survey_sheet(office, year, month)
    return report
