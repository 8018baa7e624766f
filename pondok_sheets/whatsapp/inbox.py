"""Handling webhook events after the webhook has answered: chat replies and delivery statuses."""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from ..messengers import MessengerError
from ..messengers.graph import WINDOW_CLOSED
from ..register.messages import Notice
from ..register.validation import parse_phone
from .chat import Chat, Incoming

if TYPE_CHECKING:
    from ..office import Office

log = logging.getLogger(__name__)

HASIL = {"sent": "terkirim", "delivered": "sampai di HP penerima", "read": "sudah dibaca"}


def hasil_text(status: str, errors: list[dict]) -> str:
    """A delivery status as staff read it in Log's Hasil column."""
    if status == "failed":
        first = errors[0] if errors else {}
        return f"gagal: {first.get('code', '?')} {first.get('title', '')}".strip()
    return HASIL.get(status, status)


def process_inbox(office: "Office", now: datetime, limit: int = 200) -> int:
    """Handle stored webhook events, oldest message first; returns how many were handled."""
    events = office.wa.claim(now, limit)
    # Meta does not promise order inside or across deliveries: handle a sender's messages by their time.
    events.sort(key=lambda e: (e[1] != "status", e[2].get("timestamp", "")))
    chat = Chat(office)
    for event_id, kind, data in events:
        try:
            if kind == "status":
                _delivery(office, data)
            else:
                _message(office, chat, data, now)
        except Exception:  # one bad event must not block the others; it is not retried
            log.exception("a webhook %s event could not be handled", kind)  # its id encodes a number
        office.wa.mark_processed(event_id)
    return len(events)


def _delivery(office: "Office", data: dict) -> None:
    if data.get("ref"):
        office.wa.note_ref(data["ref"], data["id"], data["status"])
    sent = office.wa.sent(data["id"])
    if sent is None:
        return  # not ours, or long forgotten
    codes = {e.get("code") for e in data["errors"]}
    resend = data["status"] == "failed" and WINDOW_CLOSED in codes and sent.via == "text"
    office.wa.note_delivery(data["id"], data["status"], hasil_text(data["status"], data["errors"]), resend)


def _message(office: "Office", chat: Chat, data: dict, now: datetime) -> None:
    phone = parse_phone("+" + data["from"])
    if phone is None:
        log.info("message from a number outside Indonesia ignored")
        return
    sent_at = datetime.fromtimestamp(int(data["timestamp"]), office.settings.timezone) \
        if data["timestamp"].isdigit() else now
    office.wa.note_inbound(phone.e164, sent_at)
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

    def __init__(self, office: "Office"):
        self.office = office
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
            while process_inbox(self.office, self.office.now()):
                pass

    def wait(self, timeout: float = 10.0) -> None:
        """Block until the current run ends (used by tests and by `tick` before it exits)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
