"""What residents read on WhatsApp: the Pesan wording rendered for one request."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import Status
from .validation import Phone

# Default wording per status, seeded into the Pesan tab where staff may change it.
# A line whose placeholder comes out empty (usually {catatan}) is left out.
DEFAULT_WORDING: dict[Status, str] = {
    Status.BARU: (
        "Halo {nama}, permohonan {layanan} Anda sudah kami terima.\n"
        "Nomor tiket: {tiket}\n"
        "Cek perkembangannya kapan saja di {tautan}\n"
        "— Kantor Desa {desa}"
    ),
    Status.DIPROSES: (
        "Halo {nama}, permohonan {layanan} (tiket {tiket}) sedang diproses petugas.\n"
        "Catatan petugas: {catatan}\n"
        "Kami kabari lagi bila sudah siap. — Kantor Desa {desa}"
    ),
    Status.PERLU_DILENGKAPI: (
        "Halo {nama}, permohonan {layanan} (tiket {tiket}) perlu dilengkapi.\n"
        "Yang perlu dilengkapi: {catatan}\n"
        "Silakan bawa ke kantor desa pada jam kerja atau balas pesan ini. — Kantor Desa {desa}"
    ),
    Status.SIAP_DIAMBIL: (
        "Halo {nama}, surat untuk permohonan {layanan} (tiket {tiket}) sudah siap diambil "
        "di kantor desa pada jam kerja. Bawa KTP asli dan sebutkan nomor tiket.\n"
        "Nomor surat: {nomor_surat}\n"
        "Catatan petugas: {catatan}\n"
        "— Kantor Desa {desa}"
    ),
    Status.SELESAI: (
        "Halo {nama}, permohonan {layanan} (tiket {tiket}) sudah selesai. "
        "Terima kasih telah menggunakan layanan Kantor Desa {desa}."
    ),
    Status.DITOLAK: (
        "Halo {nama}, mohon maaf, permohonan {layanan} (tiket {tiket}) belum dapat kami proses.\n"
        "Alasan: {catatan}\n"
        "Silakan hubungi kantor desa pada jam kerja untuk keterangan lebih lanjut. — Kantor Desa {desa}"
    ),
}

REMINDER = "Pengingat"  # the Pesan row for pickup reminders (not a status)
REMINDER_WORDING = (
    "Halo {nama}, surat untuk permohonan {layanan} (tiket {tiket}) masih menunggu diambil di kantor desa.\n"
    "Silakan ambil pada jam kerja dengan membawa KTP asli. — Kantor Desa {desa}"
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Notice:
    """One message to one resident (or staff member), ready for any messenger.

    `text` is the free-text form; `params` the values a pre-approved WhatsApp
    template takes, in the order nama, tiket, layanan, status, catatan.
    """

    to: Phone
    text: str
    kind: str  # "status", "pengingat", "ringkasan", "balasan"
    ticket: str = ""
    status: str = ""
    params: tuple[str, ...] = field(default=())
    choices: tuple[tuple[str, str], ...] = ()  # (reply id, title): buttons or a list where supported
    ref: str = ""  # names this announcement, so a send whose answer was lost can be recognised later


def render(template: str, values: Mapping[str, str]) -> str:
    """`template` with its {placeholders} filled; lines whose placeholders are all empty are dropped.

    Plain substitution (not str.format) so a brace typed by staff in Pesan can't break
    the message or reach attributes of the values.
    """
    lines = []
    for line in template.splitlines():
        names = _PLACEHOLDER.findall(line)
        filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line)
        if names and all(not values.get(n, "x").strip() for n in names):
            continue
        lines.append(filled.rstrip())
    return "\n".join(lines).strip()


def template_params(values: Mapping[str, str]) -> tuple[str, ...]:
    """Body parameters for a WhatsApp template, in the order of {{1}}…{{5}}.

    Meta refuses an empty parameter and one holding a newline, a tab or a run of spaces,
    so whitespace is collapsed and '-' stands in for nothing. The approved template has no
    place of its own for the letter number, so a Siap Diambil message carries it at the front
    of {{5}} (catatan): no new template to have approved.
    """
    values = {**values, "catatan": _with_letter_number(values)}
    return tuple(" ".join(values.get(k, "").split()) or "-"
                 for k in ("nama", "tiket", "layanan", "status", "catatan"))


def _with_letter_number(values: Mapping[str, str]) -> str:
    note, number = values.get("catatan", "").strip(), values.get("nomor_surat", "").strip()
    if values.get("status") != Status.SIAP_DIAMBIL.value or not number:
        return note
    return f"Nomor surat {number}; {note}" if note else f"Nomor surat {number}"


def wording_from_rows(rows: list[Mapping[str, str]]) -> dict[Status | str, str]:
    """Pesan tab rows (header -> value) as wording per status (and for reminders), defaults where
    staff left none."""
    wording: dict[Status | str, str] = {**DEFAULT_WORDING, REMINDER: REMINDER_WORDING}
    for row in rows:
        key = str(row.get("Status", "")).strip()
        status = Status.parse(key) or (REMINDER if key.casefold() == REMINDER.casefold() else None)
        text = str(row.get("Pesan", "")).strip()
        if status and text:
            wording[status] = text
    return wording
