"""What account, template and value-level error events mean for the office, in words staff act on.

Meta sends these to the same webhook when the fields are subscribed (README: which fields). An
event that stops or endangers sending becomes an operator row in Log, a line of the next morning
digest and a finding of `doctor`; good news (a reinstatement, an approval) clears the earlier alarm.
A value-level error (a one-off 130429) has no good news to clear it: it is shown for ONE_OFF after
its last report, then dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..state.inbox import Notes
from .event_types import AccountEvent, ErrorEvent, TemplateEvent

BOOK = "peringatan"  # notes book: an alert's subject -> what staff read
ERRORS = "galat:"  # the subject of a value-level error alert starts so
ONE_OFF = timedelta(hours=24)  # how long a value-level error stays in the digest and doctor after its last report

_RESTRICTIONS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": "kantor tidak boleh memulai percakapan (pesan status ke warga tertahan)",
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": "kantor tidak boleh membalas pesan warga",
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": "kantor tidak boleh menambah nomor WhatsApp",
}
_ERRORS = {
    130429: ("WhatsApp membatasi kecepatan kirim (130429)", "Tidak perlu tindakan bila hanya sesekali; pesan "
             "dicoba lagi pada sinkron berikutnya."),
    131000: ("WhatsApp melaporkan galat tak dikenal (131000)", "Periksa status Meta; bila berulang, hubungi "
             "pengelola aplikasi."),
}
_DOCTOR = "Buka WhatsApp Manager (business.facebook.com) → Akun → Kualitas akun untuk rinciannya."


@dataclass(frozen=True)
class Alert:
    """One thing staff should know about sending: `subject` groups alarms that a later event clears."""

    subject: str
    text: str
    todo: str
    endangers: bool


def describe(event: AccountEvent | TemplateEvent | ErrorEvent) -> Alert:
    """The event as staff read it, with what to do."""
    if isinstance(event, AccountEvent):
        return _account(event)
    if isinstance(event, TemplateEvent):
        return _template(event)
    return _errors(event)


def _account(event: AccountEvent) -> Alert:
    subject = "akun"
    if not event.endangers_sending:
        return Alert(subject, f"Akun WhatsApp Business: {event.event} {event.ban_state}".strip(), "", False)
    if event.event == "ACCOUNT_RESTRICTION":
        what = "; ".join(_RESTRICTIONS.get(r, r) for r in event.restrictions) or "pembatasan dari Meta"
        return Alert(subject, f"Akun WhatsApp Business dibatasi Meta: {what}.",
                     f"Pesan yang tertahan dikirim lagi otomatis setelah pembatasan berakhir. {_DOCTOR}", True)
    if event.event == "ACCOUNT_VIOLATION":
        return Alert(subject, f"Meta mencatat pelanggaran kebijakan pada akun WhatsApp Business "
                              f"({event.violation or 'tanpa rincian'}).",
                     f"Baca rinciannya dan ajukan banding bila keliru. {_DOCTOR}", True)
    if event.event == "DISABLED_UPDATE":
        return Alert(subject, f"Akun WhatsApp Business dinonaktifkan Meta ({event.ban_state or 'DISABLE'}): "
                              "tidak ada pesan yang bisa dikirim.",
                     "Ajukan banding di WhatsApp Manager; sementara itu pakai PONDOK_WA_PROVIDER=links.", True)
    return Alert(subject, f"Akun WhatsApp Business: {event.event}; pengiriman pesan bisa berhenti.",
                 f"Periksa akun dan mitra (BSP) di WhatsApp Manager. {_DOCTOR}", True)


def _template(event: TemplateEvent) -> Alert:
    subject = f"template:{event.name}:{event.language}"
    label = f"Template WhatsApp '{event.name}' ({event.language})"
    if event.field == "template_category_update":
        if not event.endangers_sending:
            return Alert(subject, f"{label} kini berkategori {event.new_category}.", "", False)
        return Alert(subject, f"{label} digolongkan ulang oleh Meta dari {event.previous_category or '?'} menjadi "
                              f"{event.new_category}: pesan status dihitung sebagai pemasaran dan bisa ditahan.",
                     "Ubah isi template agar murni pemberitahuan (tanpa ajakan atau promosi) lalu ajukan ulang "
                     "sebagai Utility, atau ajukan banding di WhatsApp Manager.", True)
    if not event.endangers_sending:
        return Alert(subject, f"{label}: {event.event}.", "", False)
    why = f" ({event.reason})" if event.reason else ""
    return Alert(subject, f"{label} berstatus {event.event}{why}: pesan di luar jendela 24 jam tidak terkirim.",
                 "Perbaiki template di WhatsApp Manager → Template pesan dan ajukan ulang; "
                 "lalu jalankan python main.py doctor.", True)


def _errors(event: ErrorEvent) -> Alert:
    first = event.errors[0] if event.errors else None
    code = first.code if first else None
    text, todo = _ERRORS.get(code or -1, (
        f"WhatsApp melaporkan galat {code if code is not None else '?'}"
        f"{': ' + first.title if first and first.title else ''}", "Bila berulang, periksa WhatsApp Manager."))
    return Alert(f"{ERRORS}{code}", text, todo, True)


def remember(notes: Notes, alert: Alert, now: datetime) -> None:
    """Keep an alarm for the digest and `doctor` (from now, if it came again); good news drops the one it ends."""
    if alert.endangers:
        notes.renew(BOOK, alert.subject, f"{alert.text} {alert.todo}".strip(), now)
    else:
        notes.drop(BOOK, alert.subject)


def current(notes: Notes, now: datetime) -> list[tuple[str, str]]:
    """(subject, text) of every alarm staff should still read; value-level errors past ONE_OFF are dropped."""
    found = []
    for subject, text, at in notes.all(BOOK):
        if subject.startswith(ERRORS) and now - datetime.fromisoformat(at) >= ONE_OFF:
            notes.drop(BOOK, subject)
            continue
        found.append((subject, text))
    return found
