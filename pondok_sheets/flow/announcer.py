"""The Announcer: tells a resident about one change, once, and says what came of it as a value.

Every announcement is recorded in the local ledger before the cycle writes Notifikasi, so
a lost write never becomes a second message. The intent to send is recorded (and committed)
before the request leaves, as the ledger's uncertain mark: a send whose answer never came (a
time-out) or whose process died mid-send (`kill -9`, a host redeploy) leaves that mark, and
later cycles settle it from our own record of Meta's answer, or WhatsApp's report of it (it
carries the announcement's `ref`), and send again only after PONDOK_UNCERTAIN_MINUTES without one.
A stop request (SIGTERM) is looked at before each send: the cycle then sends nothing new.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import MessengerError
from ..messengers import Messenger
from ..register.catalog import service_name
from ..register.changes import BAD_NUMBER, Due, not_sent_text, told_text, waiting_text
from ..register.links import Links
from ..register.messages import REMINDER, Notice, render, template_params
from ..register.model import Request, Service, Status
from ..register.stamps import format_stamp, parse_stamp
from ..register.timing import reminded_text
from ..register.validation import Phone, mask_phone, unneutralize
from ..state.ledger import Ledger
from ..state.outbox import PendingLog
from ..state.whatsapp import SentLog

log = logging.getLogger(__name__)
UNCERTAIN = "?belum pasti "  # ledger mark: the API never answered; followed by when
UNCERTAIN_WAIT = timedelta(minutes=15)  # the default of PONDOK_UNCERTAIN_MINUTES
STOPPING = "layanan sedang dihentikan; dikirim setelah dijalankan lagi"


@dataclass(frozen=True)
class Sent:
    """The resident was told (or, `fresh` False, had been already): write `notified`."""

    notified: str
    fresh: bool = True


@dataclass(frozen=True)
class Refused:
    """Refused for good (no usable number, not on WhatsApp): staff read `notified` and fix the row."""

    reason: str
    notified: str


@dataclass(frozen=True)
class Later:
    """Not sent this cycle; tried again at the next. `held`: waiting for WhatsApp's report of an earlier try."""

    reason: str
    held: bool = False


@dataclass(frozen=True)
class StopAll:
    """The office's set-up is wrong (an expired token): no message goes out until the operator acts."""

    reason: str


Outcome = Sent | Refused | Later | StopAll


def announcement_ref(ticket: str, key: str, basis: str) -> str:
    """Names one announcement (ticket, what, since which Notifikasi), echoed back by WhatsApp."""
    return f"pondok:{ticket}:{key}:{hashlib.sha256(basis.encode()).hexdigest()[:10]}"


class Announcer:
    """Composes and sends the messages of one cycle, recording each outcome in the ledger and Log."""

    def __init__(self, messenger: Messenger, ledger: Ledger, sent: SentLog, log_rows: PendingLog, links: Links,
                 wording: Mapping[Status | str, str], services: Sequence[Service], village: str, now: datetime,
                 uncertain_wait: timedelta = UNCERTAIN_WAIT, halted: Callable[[], bool] = lambda: False):
        self.messenger = messenger
        self.ledger = ledger
        self.sent = sent
        self.log_rows = log_rows
        self.links = links
        self.wording = wording
        self.services = services
        self.village = village
        self.now = now
        self.stamp = format_stamp(now)
        self.stopped = ""  # set by the first StopAll: the rest of the cycle sends nothing
        self.uncertain_wait = uncertain_wait
        self.halted = halted  # True once the process was asked to stop: nothing new is sent
        # The survey invitation (flow/survey.py) a status message carries; '' for most messages.
        self.invite: Callable[[Request, Status], str] | None = None

    def announce(self, due: Due) -> Outcome:
        """Tell the resident about the row's current status, unless the ledger says it was done."""
        request, status = due.request, due.status
        prior = self.ledger.outcome(request.ticket, status.value, request.notified)
        if prior is not None and not prior.startswith(UNCERTAIN):
            return Sent(prior, fresh=False)
        if due.phone is None:
            result = not_sent_text(status, BAD_NUMBER)
            self._log(request.ticket, "-", "status", "", f"tidak terkirim: {BAD_NUMBER}", "")
            self.ledger.record_outcome(request.ticket, status.value, request.notified, result, self.stamp)
            return Refused(BAD_NUMBER, result)
        notice = self._compose(request, status, due.phone,
                               ref=announcement_ref(request.ticket, status.value, request.notified))
        outcome = self._deliver(request, notice, status.value)
        if isinstance(outcome, Sent):
            outcome = Sent(waiting_text(status) if self.messenger.confirms_later else told_text(status, self.stamp))
        elif isinstance(outcome, Refused):
            outcome = Refused(outcome.reason, not_sent_text(status, outcome.reason))
        else:
            return outcome
        self.ledger.record_outcome(request.ticket, status.value, request.notified, outcome.notified, self.stamp)
        return outcome

    def remind(self, request: Request, number: int, phone: Phone) -> Outcome:
        """Pickup reminder `number` for a letter left waiting, to `phone` (found as for status messages);
        a refusal for good counts as this reminder."""
        key = f"{REMINDER} {number}"
        prior = self.ledger.outcome(request.ticket, key, request.notified)
        if prior is not None and not prior.startswith(UNCERTAIN):
            return Sent(prior, fresh=False)
        notice = self._compose(request, Status.SIAP_DIAMBIL, phone, wording=REMINDER, kind="pengingat",
                               ref=announcement_ref(request.ticket, key, request.notified))
        outcome = self._deliver(request, notice, key)
        if not isinstance(outcome, (Sent, Refused)):
            return outcome
        result = reminded_text(request.notified, number)
        self.ledger.record_outcome(request.ticket, key, request.notified, result, self.stamp)
        return Sent(result) if isinstance(outcome, Sent) else Refused(outcome.reason, result)

    def tell(self, ticket: str, key: str, basis: str, phone: Phone, text: str, kind: str,
             params: tuple[str, ...], told: str) -> Outcome:
        """A message outside the status flow (a complaint's answer), once per (ticket, key, basis) like every
        announcement; Sent carries `told` (or the waiting mark in links mode) for the row's Notifikasi."""
        prior = self.ledger.outcome(ticket, key, basis)
        if prior is not None and not prior.startswith(UNCERTAIN):
            return Sent(prior, fresh=False)
        request = Request(ticket=ticket, notified=basis)
        notice = Notice(to=phone, text=text, kind=kind, ticket=ticket, status=key, params=params,
                        ref=announcement_ref(ticket, key, basis))
        outcome = self._deliver(request, notice, key)
        if isinstance(outcome, Sent):
            outcome = Sent(f"{key} · menunggu dikirim petugas" if self.messenger.confirms_later else told)
        elif isinstance(outcome, Refused):
            outcome = Refused(outcome.reason, f"{key} · tidak terkirim: {outcome.reason}")
        else:
            return outcome
        self.ledger.record_outcome(ticket, key, basis, outcome.notified, self.stamp)
        return outcome

    def resend_templates(self) -> StopAll | None:
        """Messages Meta reported undelivered because the 24-hour window had closed: once, as the template.
        Returns the stop, when WhatsApp refused every send (the rest wait for the next cycle)."""
        if not self.messenger.can_resend:
            return None
        for sent in self.sent.due_resends():
            if self.stopped or self.halted():
                return StopAll(self.stopped) if self.stopped else None
            self.sent.mark_resending(sent.message_id)  # the intent: a resend in doubt is never repeated
            try:
                message_id = self.messenger.resend_as_template(sent, self.now)
            except MessengerError as error:
                if error.uncertain:  # it may have gone out: at most once, so it is not tried again
                    self._log(sent.ticket, mask_phone(sent.phone), sent.kind, sent.text,
                              f"tidak pasti terkirim ulang: {error.reason}", "")
                    continue
                if not error.permanent:
                    self.stopped = error.reason if error.stop_all else ""
                    self.sent.mark_resend_due(sent.message_id)
                    continue  # still due: tried again next cycle
                result, message_id = f"gagal: {error.reason}", ""
            else:
                result = "terkirim ulang sebagai template"
            self.sent.mark_resent(sent.message_id)
            self._log(sent.ticket, mask_phone(sent.phone), sent.kind, sent.text, result, message_id)
        return StopAll(self.stopped) if self.stopped else None

    def _deliver(self, request: Request, notice: Notice, key: str) -> Outcome:
        """Send through the messenger and log it. Sent carries no Notifikasi yet: the caller decides it."""
        assert notice.to is not None
        mark = self.ledger.outcome(request.ticket, key, request.notified) or ""
        if mark.startswith(UNCERTAIN):
            settled = self._settled(request.ticket, notice)
            if settled is not None:
                return settled
            asked = parse_stamp(mark[len(UNCERTAIN):], self.now.tzinfo) or self.now
            if self.now - asked < self.uncertain_wait:
                return Later("menunggu laporan WhatsApp", held=True)
        if self.stopped:
            return Later(self.stopped)
        if self.halted():
            return Later(STOPPING)
        # The intent, committed before the request leaves: if this process dies before the outcome is
        # recorded, the next cycle finds the mark and waits for WhatsApp's word instead of sending again.
        self.ledger.record_outcome(request.ticket, key, request.notified, UNCERTAIN + self.stamp, self.stamp)
        try:
            message_id = self.messenger.send(notice, self.now)
        except MessengerError as error:
            self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                      f"gagal: {error.reason}" if error.permanent else f"gagal sementara: {error.reason}", "")
            if not error.uncertain and not error.permanent:  # refused for now: nothing went out
                self._withdraw(request, key, mark)
            if error.permanent:
                return Refused(error.reason, "")
            log.warning("message for %s not sent, retried next sync: %s", request.ticket, error.reason)
            if error.stop_all:
                self.stopped = error.reason
                return StopAll(error.reason)
            return Later(error.reason)
        waiting = self.messenger.confirms_later
        self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                  "menunggu dikirim petugas" if waiting else "terkirim", message_id)
        return Sent("")

    def _settled(self, ticket: str, notice: Notice) -> Outcome | None:
        """An earlier try of `notice` whose outcome was unknown, now known to have gone out (or None)."""
        assert notice.to is not None
        accepted = self.sent.ref_accepted(notice.ref)  # Meta's answer reached us; the outcome did not
        message_id = accepted or self.sent.ref_delivered(notice.ref)
        if not message_id:
            return None
        if not self.log_rows.has(message_id):  # the first try's Log row may be waiting already
            self._log(ticket, notice.to.masked, notice.kind, notice.text,
                      "terkirim" if accepted else "terkirim (dipastikan dari laporan WhatsApp)", message_id)
        return Sent("")

    def _withdraw(self, request: Request, key: str, mark: str) -> None:
        """Take back the intent of a send that never left: the ledger as it was before it."""
        if mark:
            self.ledger.record_outcome(request.ticket, key, request.notified, mark, self.stamp)
        else:
            self.ledger.forget(request.ticket, key, request.notified)

    def _compose(self, request: Request, status: Status, phone: Phone, wording: Status | str | None = None,
                 kind: str = "status", ref: str = "") -> Notice:
        values = {
            "nama": unneutralize(request.name), "tiket": request.ticket,
            "layanan": service_name(self.services, request.service), "status": status.value,
            "catatan": unneutralize(request.note), "desa": self.village,
            "tautan": self.links.ticket(request.ticket),
            "nomor_surat": unneutralize(request.letter_number),
        }
        invitation = self.invite(request, status) if self.invite and kind == "status" else ""
        template = self.wording[wording or status]
        if invitation and "{survei}" not in template:
            template += "\n\n{survei}"
        values["survei"] = invitation
        return Notice(to=phone, text=render(template, values), kind=kind,
                      ticket=request.ticket, status=status.value, params=template_params(values), ref=ref)

    def _log(self, ticket: str, kepada: str, kind: str, text: str, result: str, message_id: str) -> None:
        self.log_rows.add([{
            "Waktu": self.stamp, "Tiket": ticket, "Kepada": kepada, "Jenis": kind,
            "Saluran": self.messenger.label, "Isi": text, "Hasil": result, "ID Pesan": message_id,
        }])
