"""Every channel's one door: validate, give a ticket, queue durably, answer at once."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import phonenumbers

from .register.model import Channel, Service, Status
from .register.tickets import new_ticket
from .register.validation import (
    InvalidInput, Phone, check_consent, check_details, check_name, check_nik, check_phone, clean_text, neutralize,
)
from .state import State

FIELDS = ("nama", "nik", "wa", "keterangan", "setuju")


def format_time(moment: datetime) -> str:
    """How the register writes a moment: local time, to the minute, sortable as text."""
    return moment.strftime("%Y-%m-%d %H:%M")


def staff_phone(phone: Phone) -> str:
    """A number as staff read and dial it: 0812-3456-7890."""
    number = phonenumbers.parse(phone.e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def find_service(services: Sequence[Service], code_or_name: str) -> Service | None:
    """The service with this code or name (any case), active or not."""
    wanted = " ".join(str(code_or_name).split()).casefold()
    for service in services:
        if wanted in (service.code.casefold(), service.name.casefold()):
            return service
    return None


def check(fields: Mapping[str, object], service: Service | None) -> tuple[dict[str, str], dict[str, str]]:
    """Register values for a submission, and one message per bad field (empty when all is well).

    Values of bad fields are kept as typed (cleaned), so a channel that must not drop a
    response (a Google Form) can still store it for staff to follow up.
    """
    errors: dict[str, str] = {}
    if service is None or not service.active:
        errors["layanan"] = "Layanan ini tidak tersedia. Pilih layanan dari daftar."
    name, error = check_name(fields.get("nama"))
    if error:
        errors["nama"] = error
    nik, error = check_nik(fields.get("nik"))
    if error:
        errors["nik"] = error
    phone, error = check_phone(fields.get("wa"))
    if error:
        errors["wa"] = error
    details, error = check_details(fields.get("keterangan"))
    if error:
        errors["keterangan"] = error
    error = check_consent(fields.get("setuju"))
    if error:
        errors["setuju"] = error
    values = {
        "Layanan": service.name if service else clean_text(fields.get("layanan")),
        "Nama": neutralize(name), "NIK": neutralize(nik),
        "WhatsApp": staff_phone(phone) if phone else neutralize(clean_text(fields.get("wa"))),
        "Keterangan": neutralize(details),
    }
    return values, errors


def service_name(services: Sequence[Service], text: str) -> str:
    """The catalogue name of the service `text` names (code or name), or `text` as typed."""
    service = find_service(services, text)
    return service.name if service else text


def validate(fields: Mapping[str, object], service: Service | None) -> dict[str, str]:
    """Clean register values for a submission, or InvalidInput with one message per bad field."""
    values, errors = check(fields, service)
    if errors:
        raise InvalidInput(errors)
    return values


def register_row(ticket: str, values: Mapping[str, str], channel: Channel, stamp: str,
                 status: Status = Status.BARU, note: str = "") -> dict[str, str]:
    """A whole Permohonan row for a new request."""
    return {"Tiket": ticket, "Masuk": stamp, "Saluran": channel.value, "Status": status.value,
            "Catatan": note, "Diperbarui": stamp, "Notifikasi": "", **values}


def submit(state: State, prefix: str, services: Sequence[Service], service_code: str,
           fields: Mapping[str, object], channel: Channel, now: datetime) -> str:
    """Validate a request, queue it for the register and return its ticket.

    Raises InvalidInput (nothing is stored) when any field is wrong.
    """
    service = find_service(services, service_code)
    values = validate(fields, service)
    ticket = new_ticket(prefix, state.is_known_ticket)
    stamp = format_time(now)
    state.enqueue(ticket, values["Layanan"], register_row(ticket, values, channel, stamp), stamp)
    return ticket
