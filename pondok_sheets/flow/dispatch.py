"""A resident's message, by its kind: what the chat is given, what is ignored, what gets a kind reply.

The dispatch sits before the chat's steps (docs/research/whatsapp-webhook-events.md §7):
reactions, deletions, "first open" and system notices change nothing; a changed number is
remembered for the resident's requests; voice notes and what we cannot read get a kind reply
and the step is kept; captions and edits are read as text.

An edit (Meta sends it for numbers also used in the WhatsApp Business app) is taken as the new
text of the message it edits: if that message was the resident's last answer, the conversation
goes back to where it was before it and the new text answers that step again. An edit of an
older message is ignored, so an answer never lands in the wrong step.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from ..office import Office
from ..register.changes import told_text
from ..register.model import Channel, PublicStatus, Service, Status
from ..register.stamps import format_stamp
from ..register.validation import Phone, parse_phone
from ..whatsapp.chat import Chat, Incoming
from ..whatsapp.event_types import Message, Sender
from . import intake
from .catalogue import lookup
from .delivery import NEW_ADDRESS

log = logging.getLogger(__name__)

SILENT = frozenset({"reaction", "revoke", "request_welcome", "system_other"})
UNREADABLE = frozenset({"location", "contacts", "sticker", "order", "unsupported", "unknown"})
VOICE_REPLY = ("Maaf, kami belum bisa mendengarkan pesan suara. Silakan ketik pesan Anda, "
               "misalnya jawaban pertanyaan terakhir kami atau CEK <nomor tiket>.")
UNREADABLE_REPLY = ("Maaf, jenis pesan ini belum bisa kami baca. Silakan ketik pesan Anda dengan huruf, "
                    "misalnya jawaban pertanyaan terakhir kami atau CEK <nomor tiket>.")
FOREIGN_AGAIN = timedelta(hours=24)  # a foreign number is answered once a day, however often it writes
FOREIGN_TOLD = "luar_negeri"  # notes book: hash of a foreign sender -> when they were last answered
Replies = list[tuple[str, tuple[tuple[str, str], ...]]]


def reply_address(sender: Sender) -> Phone:
    """Where replies to this sender go: their number, or their business-scoped user id when hidden.

    Phone's one field is the address WhatsApp is given: `+62…` goes as `to`, a user id as `recipient`.
    """
    if sender.phone:
        digits = "".join(c for c in sender.phone if c.isdigit())
        return parse_phone("+" + digits) or Phone("+" + digits)
    return Phone(sender.user_id or "")


class OfficeDesk:
    """The chat's view of the office: the catalogue, a ticket's status, filing through intake, once per message."""

    def __init__(self, office: Office):
        self.office = office
        self.event_id = ""

    def services(self, active_only: bool = True) -> list[Service]:
        """The catalogue as of the last sync."""
        return self.office.state.meta.services(active_only)

    def lookup(self, text: str) -> PublicStatus | None:
        """A ticket's public status."""
        return lookup(self.office, text)

    def submit(self, service_code: str, fields: Mapping[str, object], now: datetime) -> str:
        """File a request from the chat: under a ticket chosen before filing, so a second try files nothing new.

        The chat's reply carries the ticket, so the row lands as told (`Baru · dikabari …`) and the
        sync sends no second confirmation; the ledger says so too.
        """
        state = self.office.state
        decision = state.decisions.get(self.event_id) if self.event_id else None
        ticket = decision.ticket if decision and decision.ticket else intake.issue_ticket(self.office)
        if self.event_id and not (decision and decision.ticket):
            state.decisions.note_ticket(self.event_id, ticket)
        if state.queue.queued(ticket) is not None:
            return ticket  # filed by the first try, before a crash
        address = str(fields.get("wa", ""))
        told = told_text(Status.BARU, format_stamp(now))
        ticket = intake.submit(self.office, service_code, fields, Channel.WHATSAPP, now, ticket=ticket,
                               notified=told, user_id="" if address.startswith("+") else address)
        state.ledger.record_outcome(ticket, Status.BARU.value, "", told, format_stamp(now))
        return ticket


def chat_for(office: Office, desk: OfficeDesk) -> Chat:
    """The conversation, wired to this office's books."""
    s = office.settings
    return Chat(desk, office.state.chats, office.state.contacts, office.links, s.village, s.ticket_prefix)


def decide(office: Office, desk: OfficeDesk, message: Message, now: datetime) -> Replies:
    """The replies a message calls for; the conversation and the register are changed as it says."""
    if message.kind in SILENT:
        log.info("webhook message of kind %s: nothing to answer", message.kind)
        return []
    if message.kind == "number_changed":
        _note_number_change(office, message, now)
        return []
    to = reply_address(message.sender)
    sent_at = _sent_at(office, message, now)
    office.state.windows.note_inbound(to.e164, sent_at)
    if not message.sender.is_indonesian:
        return _foreign(office, to, now)
    if message.kind == "voice":
        return [(VOICE_REPLY, ())]
    if message.kind in UNREADABLE:
        return [(UNREADABLE_REPLY, ())]
    if message.sender.phone is None:
        log.warning("a WhatsApp username user without a shared number wrote; replying by user id")
    return _converse(office, desk, message, to, now)


def _converse(office: Office, desk: OfficeDesk, message: Message, to: Phone, now: datetime) -> Replies:
    chats, decisions = office.state.chats, office.state.decisions
    earlier = decisions.get(message.id)
    if earlier is None:
        if message.kind == "edit":
            target = decisions.get(message.target_id)
            if not message.text.strip() or target is None or target.address != to.e164 \
                    or not decisions.is_latest(target.event_id, to.e164):
                log.info("edit of an older message (or without text) ignored")
                return []
            step, data = target.step, target.data  # the edit answers again the step its message answered
        else:
            step, data = chats.get(to.e164, now)
        decisions.start(message.id, to.e164, step, data, now)
        if message.kind == "edit":
            chats.save(to.e164, step, data, now)
    elif decisions.is_latest(message.id, to.e164):
        # A second try after a crash: the conversation as it was before this message, then the same step.
        chats.save(to.e164, earlier.step, earlier.data, now)
    else:
        log.warning("a message handled again after later ones: its conversation step is not redone")
        return []
    desk.event_id = message.id
    incoming = Incoming(to, message.text, message.reply_id, media=message.kind == "media")
    return chat_for(office, desk).handle(incoming, now)


def _note_number_change(office: Office, message: Message, now: datetime) -> None:
    """Status messages for the resident's requests go to the new number (or user id) from now on."""
    notes, hasher = office.state.notes, office.state.hash
    changed = 0
    for old, new in ((message.old_phone, message.new_phone), (message.old_user_id, message.new_user_id)):
        if old and new:
            new_address = reply_address(Sender(phone=new, user_id=None)).e164 if old == message.old_phone \
                else new
            notes.put(NEW_ADDRESS, hasher(_key(old)), new_address, now)
            changed += 1
    log.info("a resident changed their WhatsApp number: %d alias(es) kept for their requests", changed)


def _key(address: str) -> str:
    return address if not address.isdigit() else "+" + address


def planned_notes(office: Office, message: Message, replies: Replies, now: datetime) -> list[tuple[str, str, str]]:
    """Notes (book, key, value) that hold once `replies` are planned, stored in the same transaction as the plan:
    a foreign sender counts as told today only then, so a crash before the plan never costs them the reply."""
    if not replies or message.sender.is_indonesian:  # a foreign sender's only reply is the polite one
        return []
    return [(FOREIGN_TOLD, office.state.hash(reply_address(message.sender).e164), format_stamp(now))]


def _foreign(office: Office, to: Phone, now: datetime) -> Replies:
    seen = office.state.notes.get(FOREIGN_TOLD, office.state.hash(to.e164))
    if seen and now - datetime.fromisoformat(seen[1]) < FOREIGN_AGAIN:
        return []
    s = office.settings
    where = f" atau formulir di {office.links.home()}"
    return [(f"Mohon maaf, layanan WhatsApp Kantor Desa {s.village} hanya menerima permohonan dari nomor HP "
             f"Indonesia (+62). Bila Anda sedang di luar negeri, mintalah keluarga mengajukan untuk Anda dengan "
             f"nomor Indonesia{where}, atau hubungi kantor desa pada jam kerja ({s.office_hours}).", ())]


def _sent_at(office: Office, message: Message, now: datetime) -> datetime:
    if message.timestamp.isdigit():
        return min(now, datetime.fromtimestamp(int(message.timestamp), office.settings.timezone))
    return now
