"""The satisfaction survey (SKM) in the flow: invitations, answers queued for the Survei tab, the index.

The invitation rides on the message of the status PONDOK_SURVEY_AFTER names (Selesai by
default): it is appended to that announcement (or put where the Pesan wording has
`{survei}`), so it inherits everything a status message promises: the settle delay, quiet
hours, exactly once across lost state, the masked Log row. Answers are queued locally, keyed
by the ticket's hash, and appended by the sync; the page itself never asks Google.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from ..config import ensure_secret_key
from ..documents.skm_sheet import skm_rows
from ..errors import InvalidInput, StoreError
from ..office import Office
from ..register import plan
from ..register.catalog import find_service, service_name
from ..register.messages import render
from ..register.model import FINISHED, PublicStatus, Request, Service, Status
from ..register.stamps import format_stamp, parse_day
from ..register.survey import INVITATION, SURVEI, Answer, answer_from_form, answer_row, parse_answers
from ..register.survey_index import Period, Result, parse_period, result_for
from ..register.survey_tokens import ticket_from_token, ticket_hash, token_for
from ..register.table import Table
from ..register.tickets import normalize_ticket

log = logging.getLogger(__name__)
ANSWERS_KEY = "survey_rows"  # meta: the Survei rows of the last sync, for /statistik


def secret(office: Office) -> str:
    """The key tokens and hashes are made with (PONDOK_SECRET_KEY or the generated one)."""
    return ensure_secret_key(office.settings)


def answer_link(office: Office, ticket: str, base: str = "") -> str:
    """The personal survey address of a request."""
    return f"{(base or office.links.base).rstrip('/')}/survei/{token_for(secret(office), ticket)}"


def inviter(office: Office, services: Sequence[Service]) -> Callable[[Request, Status], str]:
    """What the Announcer adds to a status message: the invitation, for the chosen status and services."""
    after = office.settings.survey_after

    def invitation(request: Request, status: Status) -> str:
        if not after or status.value != after or not request.ticket:
            return ""
        service = find_service(services, request.service)
        if service is not None and not service.survey:
            return ""
        return render(INVITATION, {"layanan": service_name(services, request.service),
                                   "desa": office.settings.village, "tiket": request.ticket,
                                   "tautan": answer_link(office, request.ticket)})
    return invitation


def ticket_for_token(office: Office, token: str) -> PublicStatus | None:
    """The request a survey token belongs to, or None for a forged or foreign token or an unknown ticket."""
    ticket = ticket_from_token(secret(office), office.settings.ticket_prefix, token)
    return office.state.snapshot.public_status(ticket) if ticket else None


def can_answer(found: PublicStatus, after: str) -> bool:
    """A request may be rated once it is finished, or has reached the invitation's status."""
    status = Status.parse(found.status)
    return status is not None and (status in FINISHED or status.value == after)


def token_for_typed(office: Office, typed: str) -> str | None:
    """The survey token of a ticket typed or scanned at the counter, if that request may be rated."""
    found = office.state.snapshot.public_status(normalize_ticket(typed, office.settings.ticket_prefix))
    if found is None or not can_answer(found, office.settings.survey_after):
        return None
    return token_for(secret(office), found.ticket)


def ticket_page_token(office: Office, found: PublicStatus, service: Service | None) -> str | None:
    """The survey token the public ticket page offers, or None: not rateable yet, answered, or invitations off.

    A Cloud API status message outside the 24-hour window goes as the approved template,
    which has no place for the invitation; the ticket page the resident checks is where
    the survey then reaches them. It follows the invitation's rules (PONDOK_SURVEY_AFTER,
    the service's Survei column), and the token adds nothing to what the ticket already
    opens at the counter QR.
    """
    after = office.settings.survey_after
    if not after or (service is not None and not service.survey) or not can_answer(found, after):
        return None
    if is_answered(office, found.ticket):
        return None
    return token_for(secret(office), found.ticket)


def is_answered(office: Office, ticket: str) -> bool:
    """True once an answer for this request is queued or was in the Survei tab at a sync."""
    return office.state.voice.is_known(SURVEI.name, ticket_hash(secret(office), ticket))


def submit_answer(office: Office, found: PublicStatus, form: Mapping[str, object],
                  now: datetime | None = None) -> bool:
    """Queue one answer for `found`'s request; False if it was answered already. Raises InvalidInput."""
    now = now or office.now()
    stamp = format_stamp(now)
    key = ticket_hash(secret(office), found.ticket)
    answer, errors = answer_from_form(form, key, found.service, now.date())
    if errors or answer is None:
        raise InvalidInput(errors)
    fresh = office.state.voice.enqueue(SURVEI.name, key, answer_row(answer), stamp)
    if fresh:
        log.info("survey answer queued")
        office.wakeup.notify()
    return fresh


def take_in(office: Office, table: Table) -> list[dict[str, str]]:
    """At a sync: remember the tab's answers and hashes; returns the queued rows still to append."""
    records = table.records(SURVEI.headers)
    present = {cells["Tiket (hash)"] for _, cells in records if cells.get("Tiket (hash)")}
    office.state.voice.save_seen(SURVEI.name, present)
    office.state.meta.set(ANSWERS_KEY, [cells for _, cells in records])
    landed, rows = plan.new_rows(office.state.voice.pending(SURVEI.name), present)
    office.state.voice.mark_flushed(SURVEI.name, landed, format_stamp(office.now()))
    return rows


def appended(office: Office, rows: list[dict[str, str]], stamp: str) -> None:
    """Answers just appended count at once, as if this sync had read them."""
    keys = [r["Tiket (hash)"] for r in rows]
    office.state.voice.save_seen(SURVEI.name, keys)
    office.state.meta.set(ANSWERS_KEY, list(office.state.meta.get(ANSWERS_KEY, [])) + rows)
    office.state.voice.mark_flushed(SURVEI.name, keys, stamp)


def known_answers(office: Office) -> list[Answer]:
    """Answers as of the last sync plus those still queued, one per request."""
    rows = list(office.state.meta.get(ANSWERS_KEY, []))
    rows += [row for _, row in office.state.voice.pending(SURVEI.name, limit=10_000)]
    return parse_answers(list(enumerate(rows)))


def served_in(statuses: Sequence[PublicStatus], period: Period) -> int:
    """People served in a period: requests received in it (the population the sample is drawn from)."""
    return sum(1 for s in statuses if (day := parse_day(s.received)) is not None and period.contains(day))


def current_period(today: date) -> Period:
    """The semester `today` falls in: the period most offices publish their IKM for."""
    return parse_period(f"{today.year}-S{1 if today.month <= 6 else 2}")


def published(office: Office, period: Period | None = None) -> Result:
    """The survey result for a period (the current semester by default), from local state only."""
    period = period or current_period(office.now().date())
    return result_for(period, known_answers(office), served_in(office.state.snapshot.public_statuses(), period))


def result_from_register(office: Office, period: Period) -> Result:
    """The result from one read of the register itself (for `skm` and `rekap`): Survei and Permohonan."""
    tables = office.store.read([SURVEI.name, "Permohonan"])
    answers = parse_answers(tables[SURVEI.name].records(SURVEI.headers))
    served = sum(1 for _, cells in tables["Permohonan"].records(["Masuk", "Tiket"])
                 if (day := parse_day(cells["Masuk"])) is not None and period.contains(day))
    return result_for(period, answers, served)


def survey_sheet(office: Office, year: int, month: int) -> list[list[object]]:
    """The SKM sheet of the monthly rekap; empty when the register has no Survei tab yet."""
    try:
        result = result_from_register(office, parse_period(f"{year}-{month:02d}"))
    except StoreError:
        return []
    return skm_rows(result)
