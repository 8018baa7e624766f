"""Every channel's one door: validate, give a ticket, queue durably, answer at once."""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Collection, Mapping
from datetime import datetime

from ..config import ensure_secret_key
from ..errors import InvalidInput
from ..office import Office
from ..register.catalog import find_service
from ..register.fields import check_answers, format_rincian
from ..register.model import Channel, Service, Status
from ..register.stamps import format_stamp
from ..register.tickets import new_ticket
from ..register.validation import (
    Phone,
    check_consent,
    check_details,
    check_name,
    check_nik,
    check_phone,
    clean_text,
    neutralize,
    sheets_changed_nik,
    sheets_changed_phone,
)

log = logging.getLogger(__name__)


def staff_phone(phone: Phone) -> str:
    """A number as staff read and dial it: 0812-3456-7890."""
    import phonenumbers  # only where a number is shown to staff

    number = phonenumbers.parse(phone.e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def check(fields: Mapping[str, object], service: Service | None,
          asked: Collection[str] | None = None, from_sheet: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """Register values for a submission, and one message per bad field (empty when all is well).

    Values of bad fields are kept as typed (cleaned), so a channel that must not drop a
    response (a Google Form) can still store it for staff to follow up. `asked`: the service
    fields the channel asked at all (a Google Form may lack a question); None means all.
    `from_sheet`: the
    answers were read from a sheet, where Sheets may have changed them (a NIK turned into a
    number, a '+62…' answer into a formula error); those reasons name Sheets, not the resident.
    """
    errors: dict[str, str] = {}
    if service is None or not service.active:
        errors["layanan"] = "Layanan ini tidak tersedia. Pilih layanan dari daftar."
    name, error = check_name(fields.get("nama"))
    if error:
        errors["nama"] = error
    nik, error = check_nik(fields.get("nik"))
    if from_sheet and sheets_changed_nik(fields.get("nik")):
        nik, error = clean_text(fields.get("nik")), sheets_changed_nik(fields.get("nik"))
    if error:
        errors["nik"] = error
    phone, error = check_phone(fields.get("wa"))
    if from_sheet and sheets_changed_phone(fields.get("wa")):
        error = sheets_changed_phone(fields.get("wa"))
    if error:
        errors["wa"] = error
    details, error = check_details(fields.get("keterangan"))
    if error:
        errors["keterangan"] = error
    error = check_consent(fields.get("setuju"))
    if error:
        errors["setuju"] = error
    values = {
        "Layanan": service.name if service else neutralize(clean_text(fields.get("layanan"))),
        "Nama": neutralize(name), "NIK": neutralize(nik),
        "WhatsApp": staff_phone(phone) if phone else neutralize(clean_text(fields.get("wa"))),
        "Keterangan": neutralize(details),
    }
    if service is not None and service.fields:
        specs = [f for f in service.fields if asked is None or f.key in asked]
        answers, field_errors = check_answers(specs, fields)
        errors.update(field_errors)
        # A bad answer is kept as typed in Rincian, like the other cells, for staff to follow up.
        kept = {**{f.key: clean_text(fields.get(f.key)) for f in specs if f.key in field_errors}, **answers}
        values["Rincian"] = format_rincian(service.fields, kept)
    return values, errors


def register_row(ticket: str, values: Mapping[str, str], channel: Channel, stamp: str,
                 status: Status = Status.BARU, note: str = "") -> dict[str, str]:
    """A whole Permohonan row for a new request."""
    return {"Tiket": ticket, "Masuk": stamp, "Saluran": channel.value, "Status": status.value,
            "Catatan": note, "Diperbarui": stamp, "Notifikasi": "", **values}


def issue_ticket(office: Office) -> str:
    """A ticket no request of this office has had."""
    return new_ticket(office.settings.ticket_prefix, office.state.queue.is_known_ticket)


def submit(office: Office, service_code: str, fields: Mapping[str, object], channel: Channel,
           now: datetime | None = None, *, ticket: str = "", notified: str = "", user_id: str = "") -> str:
    """Validate a request from any channel, queue it for the register and return its ticket.

    Raises InvalidInput (nothing is stored) when any field is wrong. The WhatsApp chat passes the
    `ticket` it chose before filing (a second try files under the same one), the Notifikasi its
    own reply already made true, and for a username user with no shared number their user id.
    """
    now = now or office.now()
    service = find_service(office.state.meta.services(active_only=False), service_code)
    values, errors = check(fields, service)
    if user_id:  # a business-scoped user id is how WhatsApp reaches a user who hides their number
        errors.pop("wa", None)
        values["WhatsApp"] = user_id
    if errors:
        raise InvalidInput(errors)
    ticket = ticket or issue_ticket(office)
    stamp = format_stamp(now)
    row = {**register_row(ticket, values, channel, stamp), **({"Notifikasi": notified} if notified else {})}
    office.state.queue.enqueue(ticket, values["Layanan"], row, stamp)
    log.info("request %s queued from %s", ticket, channel.value)
    office.wakeup.notify()
    return ticket


TWIN_SECONDS = 60  # a resident who presses back and sends the same answers again within this


def submit_form(office: Office, service_code: str, fields: Mapping[str, object], submission_id: str,
                now: datetime | None = None) -> tuple[str, str]:
    """A web form submission, filed at most once: (ticket, "" when new, "ulang" for a repeat of the
    same form render, "sama" for the same answers again within a minute).

    Raises InvalidInput (nothing is stored) when any field is wrong.
    """
    now = now or office.now()
    service = find_service(office.state.meta.services(active_only=False), service_code)
    values, errors = check(fields, service)
    if errors:
        raise InvalidInput(errors)
    # Keyed with the secret: a bare hash of a NIK could be reversed by trying every NIK.
    answers = "\x1f".join(values[h] for h in ("Layanan", "Nama", "NIK", "WhatsApp", "Keterangan")).casefold()
    twin = hmac.new(ensure_secret_key(office.settings).encode(), answers.encode(), hashlib.sha256).hexdigest()[:32]
    window = int(now.timestamp()) // TWIN_SECONDS
    keys = [f"web:{submission_id}"] * bool(submission_id) + [f"twin:{twin}:{window}"]
    stamp = format_stamp(now)
    candidate = issue_ticket(office)
    ticket, matched = office.state.queue.enqueue_once(
        keys, [f"twin:{twin}:{window - 1}"], candidate, values["Layanan"],
        register_row(candidate, values, Channel.FORM, stamp), stamp)
    if matched:
        log.info("form submission repeated (%s): %s shown again", "same render" if matched.startswith("web:")
                 else "same answers", ticket)
        return ticket, "ulang" if matched.startswith("web:") else "sama"
    log.info("request %s queued from %s", ticket, Channel.FORM.value)
    office.wakeup.notify()
    return ticket, ""
