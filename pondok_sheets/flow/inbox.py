"""Handling stored webhook events after the webhook has answered: chat replies and delivery statuses."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..errors import MessengerError
from ..messengers.graph import WINDOW_CLOSED
from ..office import Office
from ..register.messages import Notice
from ..register.model import Channel, PublicStatus, Service
from ..register.validation import parse_phone
from ..whatsapp.chat import Chat, Incoming
from . import intake
from .catalogue import lookup

log = logging.getLogger(__name__)

HASIL = {"sent": "terkirim", "delivered": "sampai di HP penerima", "read": "sudah dibaca"}


def hasil_text(status: str, errors: list[dict[str, Any]]) -> str:
    """A delivery status as staff read it in Log's Hasil column."""
    if status == "failed":
        first = errors[0] if errors else {}
        return f"gagal: {first.get('code', '?')} {first.get('title', '')}".strip()
    return HASIL.get(status, status)


class OfficeDesk:
    """The chat's view of the office: the catalogue, a ticket's status, filing through intake."""

    def __init__(self, office: Office):
        self.office = office

    def services(self, active_only: bool = True) -> list[Service]:
        """The catalogue as of the last sync."""
        return self.office.state.meta.services(active_only)

    def lookup(self, text: str) -> PublicStatus | None:
        """A ticket's public status."""
        return lookup(self.office, text)

    def submit(self, service_code: str, fields: Mapping[str, object], now: datetime) -> str:
        """File a request from the chat."""
        return intake.submit(self.office, service_code, fields, Channel.WHATSAPP, now)


def chat_for(office: Office) -> Chat:
    """The conversation, wired to this office's books."""
    s = office.settings
    return Chat(OfficeDesk(office), office.state.chats, office.state.contacts, office.links, s.village,
                s.ticket_prefix)


def process_inbox(office: Office, now: datetime, limit: int = 200) -> int:
    """Handle stored webhook events, oldest message first; returns how many were handled."""
    events = office.state.inbox.claim(now, limit)
    # Meta does not promise order inside or across deliveries: handle a sender's messages by their time.
    events.sort(key=lambda e: (e[1] != "status", e[2].get("timestamp", "")))
    chat = chat_for(office)
    for event_id, kind, data in events:
        try:
            if kind == "status":
                _delivery(office, data)
            else:
                _message(office, chat, data, now)
        except Exception:  # one bad event must not block the others; it is not retried
            log.exception("a webhook %s event could not be handled", kind)  # its id encodes a number
        office.state.inbox.mark_processed(event_id)
    return len(events)


def _delivery(office: Office, data: dict[str, Any]) -> None:
    sent_log = office.state.sent
    if data.get("ref"):
        sent_log.note_ref(data["ref"], data["id"], data["status"])
    sent = sent_log.get(data["id"])
    if sent is None:
        return  # not ours, or long forgotten
    codes = {e.get("code") for e in data["errors"]}
    resend = data["status"] == "failed" and WINDOW_CLOSED in codes and sent.via == "text"
    sent_log.note_delivery(data["id"], data["status"], hasil_text(data["status"], data["errors"]), resend)


def _message(office: Office, chat: Chat, data: dict[str, Any], now: datetime) -> None:
    phone = parse_phone("+" + data["from"])
    if phone is None:
        log.info("message from a number outside Indonesia ignored")
        return
    sent_at = datetime.fromtimestamp(int(data["timestamp"]), office.settings.timezone) \
        if data["timestamp"].isdigit() else now
    office.state.windows.note_inbound(phone.e164, sent_at)
    incoming = Incoming(phone, data["text"], data["reply_id"], data["media"])
    for text, choices in chat.handle(incoming, now):
        notice = Notice(to=phone, text=text, kind="balasan", choices=choices)
        try:
            office.messenger.send(notice, now)
        except MessengerError as error:
            log.warning("chat reply not sent: %s", error.reason)
            return


class InboxWorker:
    """Processes the inbox in a background thread, so the webhook answers Meta at once."""

    def __init__(self, office: Office, clock: Callable[[], datetime] | None = None):
        self.office = office
        self.clock = clock or office.now
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = threading.Event()

    def kick(self) -> None:
        """Process the inbox soon; a run already going picks the new events up."""
        self._again.set()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pondok-inbox", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while self._again.is_set():
            self._again.clear()
            while process_inbox(self.office, self.clock()):
                pass

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the current run ends (used by tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
