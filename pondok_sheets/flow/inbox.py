"""Handling stored webhook events: at least once, with effects that happen once.

The webhook stores every event before it answers 200. Handling takes the inbox lock (one handler
at a time, across threads and worker processes), claims events under a lease, and marks an event
handled only after its effects are stored: the conversation and any filing (`Decisions`), every
reply (`Replies`: marked `sending` before it goes, so a crash never sends it twice). A reply whose
answer was lost waits for WhatsApp's own report of it (its `biz_opaque_callback_data`), and is sent
again only after REPLY_WAIT without one.

Hosts whose web workers run no background threads (PythonAnywhere's uWSGI) handle events inline,
after the webhook's response is sent (`handle_inline`, a short time budget); `serve` does the same,
and a background thread takes over what the budget left. Every sync handles whatever is still waiting.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from filelock import FileLock, Timeout

from ..errors import MessengerError
from ..messengers.graph import WINDOW_CLOSED, classify, failure_reason
from ..office import Office
from ..register.messages import Notice
from ..register.stamps import format_stamp
from ..register.validation import Phone, mask_phone
from ..state.inbox import Reply
from ..whatsapp.alerts import describe, remember
from ..whatsapp.event_types import (
    AccountEvent,
    ErrorEvent,
    Event,
    Message,
    Status,
    TemplateEvent,
    stored_event,
)
from .dispatch import OfficeDesk, decide, planned_notes, reply_address

log = logging.getLogger(__name__)

HASIL = {"sent": "terkirim", "delivered": "sampai di HP penerima", "read": "sudah dibaca", "played": "sudah diputar"}
HOLDER = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"  # who claims: another holder's open claim was abandoned
REPLY_WAIT = timedelta(minutes=10)  # how long WhatsApp's report of a reply whose answer was lost is awaited
RETRY_SOON = timedelta(minutes=1)  # a reply refused for now (rate limit, 5xx) is tried again after this
MAX_ATTEMPTS = 5  # an event that fails this often is given up (logged), so it cannot block the inbox
INLINE_BUDGET = 5.0  # seconds a web worker spends handling events after the webhook's response
WITH_LOG_ROW = frozenset({"status", "pengingat"})  # messages whose Log row takes their delivery status


def hasil_text(status: str, codes: tuple[int, ...]) -> str:
    """A delivery status as staff read it in Log's Hasil column."""
    if status == "failed":
        code = codes[0] if codes else None
        return f"gagal: {code if code is not None else '?'} {failure_reason(code)}"
    return HASIL.get(status, status)


def process_inbox(office: Office, now: datetime, limit: int = 200, budget: float = 60.0) -> int:
    """Handle stored events until none is claimable or `budget` seconds passed; returns how many were handled.

    Another handler holding the lock is doing the same work: then nothing is done here.
    """
    handled, deadline = 0, time.monotonic() + budget
    while time.monotonic() < deadline:
        lock = FileLock(office.settings.data_dir / "inbox.lock", thread_local=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return handled
        try:
            while time.monotonic() < deadline:
                batch = office.state.inbox.claim(now, limit, HOLDER)
                if not batch:
                    break
                handled += _handle_batch(office, batch, now)
        finally:
            lock.release()
        # An event stored while we held the lock found it taken: look once more after letting go.
        if not office.state.inbox.claimable(now, HOLDER):
            break
    return handled


def _handle_batch(office: Office, batch: list[tuple[str, str, dict[str, Any]]], now: datetime) -> int:
    events = [(event_id, stored_event(kind, payload)) for event_id, kind, payload in batch]
    # Meta does not promise order inside or across deliveries: statuses first, then messages by their time.
    events.sort(key=lambda e: (not isinstance(e[1], Status), getattr(e[1], "timestamp", "")))
    done: list[str] = []
    handled = 0
    for event_id, event in events:
        try:
            until = _handle(office, event_id, event, now)
        except Exception:  # one bad event must not block the others; it is tried again after its lease
            log.exception("a webhook event could not be handled (attempt %d)", office.state.inbox.attempts(event_id))
            if office.state.inbox.attempts(event_id) < MAX_ATTEMPTS:
                continue
            log.error("webhook event given up after %d attempts", MAX_ATTEMPTS)
            until = None
        if until is None:
            done.append(event_id)
            if isinstance(event, Message):  # its reply is out: mark it now, not after the whole batch
                office.state.inbox.mark_handled(done, now)
                done = []
        else:
            office.state.inbox.hold(event_id, until)
        handled += until is None
    office.state.inbox.mark_handled(done, now)
    return handled


def _handle(office: Office, event_id: str, event: Event, now: datetime) -> datetime | None:
    """Handle one event; None when done, else when to come back to it."""
    ours = office.settings.wa_phone_number_id
    number_id = getattr(event, "phone_number_id", None)
    if ours and number_id and number_id != ours:  # none at all: a release-1 row, or a body missing its metadata
        if office.state.notes.add_once("nomor_lain", number_id, "", now):
            log.warning("webhook events for another business number (phone_number_id %s) are ignored", number_id)
        return None
    if isinstance(event, Status):
        _delivery(office, event, now)
    elif isinstance(event, Message):
        desk = OfficeDesk(office)
        decision = office.state.decisions.get(event.id)
        if decision is None or not decision.decided:
            replies = decide(office, desk, event, now)
            office.state.decisions.start(event.id, "", "", {}, now)  # a silent kind decides too
            office.state.decisions.decide(event.id, replies, reply_address(event.sender).e164, now,
                                          planned_notes(office, event, replies, now))
        return deliver_replies(office, event.id, now)
    elif isinstance(event, (AccountEvent, TemplateEvent, ErrorEvent)):
        _operator_event(office, event, now)
    else:
        log.info("webhook event %s not handled: %s", event.tag, getattr(event, "field", getattr(event, "reason", "")))
    return None


def deliver_replies(office: Office, event_id: str, now: datetime) -> datetime | None:
    """Send the event's planned replies, in order, each at most once; None when all are done."""
    replies = office.state.replies
    for reply in replies.of(event_id):
        if reply.state in ("sent", "failed"):
            continue
        if reply.state == "sending":  # the answer to an earlier try never came back
            asked = datetime.fromisoformat(reply.at)
            if now - asked < REPLY_WAIT:
                return asked + REPLY_WAIT
            log.warning("a chat reply is sent again: WhatsApp never reported the first try")
        replies.mark(reply, "sending", now)
        notice = Notice(to=Phone(reply.address), text=reply.text, kind="balasan", choices=reply.choices,
                        ref=reply.ref)
        try:
            message_id = office.messenger.send(notice, now)
        except MessengerError as error:
            if error.uncertain:
                return now + REPLY_WAIT
            if not error.permanent:
                replies.mark(reply, "planned", now)
                log.warning("chat reply not sent yet, tried again soon: %s", error.reason)
                return now + RETRY_SOON
            replies.mark(reply, "failed", now)
            _reply_failed(office, reply, error.reason, now)
            continue
        replies.mark(reply, "sent", now, message_id)
    return None


def _reply_failed(office: Office, reply: Reply, reason: str, now: datetime) -> None:
    """A chat reply that cannot reach the resident: a Log row that says why, and the filing untold."""
    log.warning("chat reply not delivered: %s", reason)
    decision = office.state.decisions.get(reply.event_id)
    ticket = decision.ticket if decision else ""
    office.state.log.add([{
        "Waktu": format_stamp(now), "Tiket": ticket or "-", "Kepada": mask_phone(reply.address), "Jenis": "balasan",
        "Saluran": office.messenger.label, "Isi": reply.text, "Hasil": f"gagal: {reason}",
        "ID Pesan": reply.message_id}])
    if ticket and "Nomor tiket" in reply.text:  # the reply that carried the ticket: the resident was not told
        office.state.undelivered.note(ticket, "Baru", reason, reply.address, now)


def _delivery(office: Office, status: Status, now: datetime) -> None:
    state = office.state
    if status.ref.startswith("balasan:"):
        waiting = state.replies.confirm(status.ref, status.id)
        if waiting:
            state.inbox.release(waiting)  # the reply held for this report can be finished now
    elif status.ref:
        state.sent.note_ref(status.ref, status.id, status.status)
    sent = state.sent.get(status.id)
    if status.status == "failed":
        reply = state.replies.by_message(status.id)
        if reply is not None:
            _reply_failed(office, reply, failure_reason(status.error_codes[0] if status.error_codes else None), now)
            return
    if sent is None or sent.kind not in WITH_LOG_ROW:
        return  # a chat reply or the digest (no Log row), not ours, or long forgotten
    codes = status.error_codes
    resend = status.status == "failed" and WINDOW_CLOSED in codes and sent.via == "text"
    state.sent.note_delivery(status.id, status.status, hasil_text(status.status, codes), resend)
    if status.status == "failed" and not resend and sent.ticket:
        reason = failure_reason(codes[0] if codes else None)
        passing = bool(codes) and all(classify(code, 0) == "retry" for code in codes)  # Meta: try again later
        state.undelivered.note(sent.ticket, sent.status, reason, sent.phone, now, passing=passing)
        log.warning("an announcement for %s was reported undelivered: %s", sent.ticket, reason)


def _operator_event(office: Office, event: AccountEvent | TemplateEvent | ErrorEvent, now: datetime) -> None:
    alert = describe(event)
    remember(office.state.notes, alert, now)
    if not alert.endangers:
        log.info("WhatsApp account news: %s", alert.text)
        return
    log.warning("WhatsApp: %s %s", alert.text, alert.todo)
    office.state.log.add([{
        "Waktu": format_stamp(now), "Tiket": "-", "Kepada": "-", "Jenis": "operator",
        "Saluran": office.messenger.label, "Isi": alert.text, "Hasil": alert.todo, "ID Pesan": ""}])


def handle_inline(office: Office, budget: float = INLINE_BUDGET) -> int:
    """What a web worker does after the webhook's response: handle events for a few seconds, under the lock."""
    return process_inbox(office, office.now(), budget=budget)


class InboxWorker:
    """Takes over in a background thread what the inline handling left (where threads run)."""

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
            for _ in range(40):  # another handler may hold the inbox: wait for it a little, then leave it the rest
                process_inbox(self.office, self.clock())
                if not self.office.state.inbox.claimable(self.clock(), HOLDER):
                    break
                time.sleep(0.25)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the current run ends (used by tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
