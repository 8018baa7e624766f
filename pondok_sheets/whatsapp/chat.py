"""The WhatsApp conversation that takes a request, in Bahasa Indonesia.

    menu ─ choose a service (number, code, name or list reply)
         ─ nama ─ NIK ─ the service's own fields, in order ─ keterangan ─ summary ─ YA → the same
           intake as the web form
    CEK <tiket> at any time; BATAL always cancels; a photo gets a polite reply.

The conversation lives in local state, survives a restart and ends after 30 minutes idle.
The sender's own number is the contact number.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..errors import InvalidInput
from ..register.catalog import find_service, service_name
from ..register.fields import Field, check_answers
from ..register.links import Links
from ..register.model import PublicStatus, Service
from ..register.tickets import normalize_ticket
from ..register.validation import (
    Phone,
    check_details,
    check_name,
    check_nik,
    is_yes,
    mask_nik,
)
from ..state.whatsapp import ChatBook, ContactBook

CANCEL = {"batal", "cancel", "stop", "berhenti"}
NONE = {"-", "tidak", "tidak ada", "tdk", "ga ada", "gak ada", "kosong", "tidak ada keterangan"}
CHECK = re.compile(r"^\s*cek\b[\s:]*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Incoming:
    """One thing a resident sent: text, a button/list reply (its id), or a photo or document."""

    phone: Phone
    text: str = ""
    reply_id: str = ""
    media: bool = False


class Desk(Protocol):
    """What the chat asks of the office: its services, a ticket's status, and filing a request."""

    def services(self, active_only: bool = True) -> list[Service]: ...

    def lookup(self, text: str) -> PublicStatus | None: ...

    def submit(self, service_code: str, fields: Mapping[str, object], now: datetime) -> str: ...


class Chat:
    """Turns each incoming message into replies, keeping the conversation in local state."""

    def __init__(self, desk: Desk, chats: ChatBook, contacts: ContactBook, links: Links, village: str,
                 prefix: str):
        self.desk = desk
        self.chats = chats
        self.contacts = contacts
        self.links = links
        self.village = village
        self.prefix = prefix

    def handle(self, incoming: Incoming, now: datetime) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Replies to send back: (text, choices) pairs."""
        phone = incoming.phone.e164
        step, data = self.chats.get(phone, now)
        text = " ".join(incoming.text.split())
        word = text.casefold()

        if word in CANCEL:
            self.chats.save(phone, "", {}, now)
            return [("Baik, permohonan dibatalkan. Ketik apa saja untuk melihat menu lagi.", ())]
        checked = CHECK.match(text)
        if checked:
            return [(self._status(checked.group(1), incoming.phone), ())]
        if incoming.media:
            return [(self._media_reply(data.get("service", "")), ())]

        handler = getattr(self, f"_step_{step}", None) if step else None
        if handler is None:
            service = self._chosen_service(incoming, text)
            if service is None:
                self.chats.save(phone, "layanan", {}, now)
                return [self._menu()]
            return self._start(phone, service, now)
        return handler(incoming, text, data, now)

    # -- steps ----------------------------------------------------------------------------

    def _step_layanan(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        service = self._chosen_service(incoming, text)
        if service is None:
            return [("Maaf, pilihan itu tidak ada. Balas dengan nomor layanan dari daftar.", ()), self._menu()]
        return self._start(incoming.phone.e164, service, now)

    def _start(self, phone: str, service: Service, now: datetime):
        self.chats.save(phone, "nama", {"service": service.code}, now)
        needs = "\n".join(f"- {r}" for r in service.requirements)
        return [(f"Anda memilih *{service.name}* (selesai dalam {service.days} hari kerja).\n"
                 f"Yang perlu dibawa saat mengambil surat:\n{needs}\n\n"
                 "Siapa nama lengkap Anda sesuai KTP? (ketik BATAL untuk membatalkan)", ())]

    def _step_nama(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        name, error = check_name(text)
        if error:
            return [(f"{error} Silakan ketik nama lengkap Anda.", ())]
        self.chats.save(incoming.phone.e164, "nik", {**data, "nama": name}, now)
        return [("Berapa NIK Anda? (16 angka di KTP atau Kartu Keluarga)", ())]

    def _step_nik(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        nik, error = check_nik(text)
        if error:
            return [(f"{error} Silakan ketik NIK Anda lagi.", ())]
        return self._next_field(incoming, {**data, "nik": nik, "isian": {}}, now)

    def _step_isian(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        fields = self._fields(data)
        answered = dict(data.get("isian", {}))
        spec = next((f for f in fields if f.key not in answered), None)
        if spec is None:
            return self._next_field(incoming, data, now)
        typed = incoming.reply_id.split(":", 1)[1] if incoming.reply_id.startswith("isian:") else text
        if spec.kind == "pilihan" and typed.isdigit() and 1 <= int(typed) <= len(spec.choices):
            typed = spec.choices[int(typed) - 1]
        if not spec.required and typed.casefold() in NONE:
            typed = ""
        values, errors = check_answers([spec], {spec.key: typed})
        if errors:
            return [(f"{errors[spec.key]} Silakan coba lagi.", ()), self._question(spec)]
        answered[spec.key] = values.get(spec.key, "")
        return self._next_field(incoming, {**data, "isian": answered}, now)

    def _next_field(self, incoming: Incoming, data: dict[str, Any], now: datetime):
        """Ask the first of the service's fields not yet answered, then the keterangan."""
        spec = next((f for f in self._fields(data) if f.key not in data.get("isian", {})), None)
        if spec is None:
            self.chats.save(incoming.phone.e164, "keterangan", data, now)
            return [("Untuk keperluan apa surat ini? Ketik - bila tidak ada keterangan.", ())]
        self.chats.save(incoming.phone.e164, "isian", data, now)
        return [self._question(spec)]

    def _fields(self, data: dict[str, Any]) -> tuple[Field, ...]:
        service = find_service(self.desk.services(active_only=False), data.get("service", ""))
        return service.fields if service else ()

    @staticmethod
    def _question(spec: Field) -> tuple[str, tuple[tuple[str, str], ...]]:
        text = f"{spec.label}?"
        if spec.kind == "pilihan":
            text += " Balas dengan nomornya:\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(spec.choices, 1))
        elif spec.kind == "tanggal":
            text += " (contoh: 17-08-1990)"
        if not spec.required:
            text += "\nKetik - bila tidak ada."
        choices = tuple((f"isian:{c}", c[:24]) for c in spec.choices) if spec.kind == "pilihan" else ()
        return text, choices

    def _step_keterangan(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        details, error = check_details("" if text.casefold() in NONE else text)
        if error:
            return [(f"{error} Silakan ketik keterangan yang lebih singkat.", ())]
        data = {**data, "keterangan": details}
        self.chats.save(incoming.phone.e164, "konfirmasi", data, now)
        return [self._summary(data)]

    def _step_konfirmasi(self, incoming: Incoming, text: str, data: dict[str, Any], now: datetime):
        answer = (incoming.reply_id or text).casefold()
        if not is_yes(answer):
            return [("Balas YA untuk mengirim, atau BATAL untuk membatalkan.", ()), self._summary(data)]
        fields = {**data.get("isian", {}), "nama": data["nama"], "nik": data["nik"], "wa": incoming.phone.e164,
                  "keterangan": data.get("keterangan", ""), "setuju": "ya"}
        try:
            ticket = self.desk.submit(data["service"], fields, now)
        except InvalidInput as invalid:  # e.g. the service was closed meanwhile
            self.chats.save(incoming.phone.e164, "", {}, now)
            return [(" ".join(invalid.errors.values()) + " Ketik apa saja untuk melihat menu.", ())]
        self.chats.save(incoming.phone.e164, "", {}, now)
        link = self.links.ticket(ticket)
        return [(f"Terima kasih, permohonan Anda sudah kami terima.\nNomor tiket: *{ticket}*\n"
                 f"Cek status kapan saja di {link} atau ketik CEK {ticket}.\n"
                 f"Kami kabari lewat WhatsApp bila ada perkembangan. — Kantor Desa {self.village}", ())]

    # -- replies --------------------------------------------------------------------------

    def _menu(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        services = self.desk.services()
        lines = "\n".join(f"{i}. {s.name}" for i, s in enumerate(services, start=1))
        text = (f"Halo! Ini layanan WhatsApp Kantor Desa {self.village}.\n"
                f"Balas dengan nomor layanan untuk mengajukan surat:\n{lines}\n\n"
                "Untuk cek status, ketik: CEK <nomor tiket>\nKetik BATAL kapan saja untuk membatalkan.\n"
                f"Pengaduan dan saran (boleh tanpa nama): {self.links.complaints()}")
        return text, tuple((f"layanan:{s.code}", s.name) for s in services)

    def _summary(self, data: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
        name = service_name(self.desk.services(active_only=False), data["service"])
        nik = mask_nik(data["nik"])
        answers = data.get("isian", {})
        extra = "".join(f"- {f.label}: {answers[f.key]}\n" for f in self._fields(data) if answers.get(f.key))
        return (f"Periksa permohonan Anda:\n- Layanan: {name}\n- Nama: {data['nama']}\n- NIK: {nik}\n{extra}"
                f"- Keterangan: {data.get('keterangan') or '-'}\n\n"
                f"Dengan membalas YA, Anda setuju data pribadi Anda dipakai Kantor Desa {self.village} "
                "hanya untuk memproses permohonan ini (UU PDP). Balas YA untuk mengirim atau BATAL.",
                (("ya", "YA"), ("batal", "BATAL")))

    def _status(self, typed: str, phone: Phone) -> str:
        if not typed.strip():
            return "Ketik CEK diikuti nomor tiket, misalnya CEK PDK-7K3QM9X."
        found = self.desk.lookup(typed)
        if found is None:
            return (f"Tiket {normalize_ticket(typed, self.prefix)} belum kami temukan. "
                    "Periksa kembali nomornya; permohonan yang baru dikirim bisa butuh beberapa menit.")
        status = found.status or "Baru"
        if not self.contacts.is_contact(found.ticket, phone.e164):
            return f"Tiket {found.ticket}: status *{status}*."
        note = self.contacts.note_for(found.ticket)
        lines = [f"Tiket {found.ticket} — {found.service}", f"Status: *{status}* (diperbarui {found.updated})"]
        if note:
            lines.append(f"Catatan petugas: {note}")
        lines.append(self.links.ticket(found.ticket))
        return "\n".join(lines)

    def _media_reply(self, code: str) -> str:
        service = find_service(self.desk.services(active_only=False), code) if code else None
        text = ("Terima kasih. Dokumen tidak perlu dikirim lewat WhatsApp: bawa dokumen asli dan fotokopinya "
                "ke kantor desa saat mengambil surat.")
        if service:
            text += f"\nUntuk {service.name}:\n" + "\n".join(f"- {r}" for r in service.requirements)
        else:
            text += " Persyaratan tiap layanan ada di menu; ketik apa saja untuk melihatnya."
        return text

    def _chosen_service(self, incoming: Incoming, text: str) -> Service | None:
        services = self.desk.services()
        if incoming.reply_id.startswith("layanan:"):
            return find_service(services, incoming.reply_id.split(":", 1)[1])
        if text.isdigit() and 1 <= int(text) <= len(services):
            return services[int(text) - 1]
        return find_service(services, text)
