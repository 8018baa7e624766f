"""Announcing: who is told what, when (settle delay, quiet hours, budget), and through the messenger.

A mixin of SyncCycle, split out so the cycle reads as its steps.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from .config import Settings
from .intake import service_name
from .qr import LOCAL_URL, base_url
from .messengers import MessengerError
from .register.changes import BAD_NUMBER, Due, not_sent_text, told_text, waiting_text
from .register.messages import REMINDER, Notice, render, template_params
from .register.model import Request, Status
from .register.timing import in_quiet_hours, is_settled, reminded_text, reminder_due
from .register.validation import Phone, mask_phone, parse_phone, unneutralize

log = logging.getLogger(__name__)
UNCERTAIN = "?belum pasti "  # ledger mark: the API never answered; followed by when
UNCERTAIN_WAIT = timedelta(minutes=15)  # how long WhatsApp's own report is awaited before sending again


def announcement_ref(ticket: str, key: str, basis: str) -> str:
    """Names one announcement (ticket, what, since which Notifikasi), echoed back by WhatsApp."""
    return f"pondok:{ticket}:{key}:{hashlib.sha256(basis.encode()).hexdigest()[:10]}"


def ticket_link(settings: Settings, ticket: str, fallback: str = LOCAL_URL) -> str:
    """The public status page of a ticket, as residents receive it."""
    return f"{base_url(settings, fallback)}/tiket/{ticket}"


class Announcing:
    """The announcing half of a sync cycle (expects SyncCycle's attributes)."""

    def _schedule(self, due: list[Due], new_requests: list[Request]) -> list[Due]:
        """The announcements to make now, oldest change first.

        A confirmation of a request just submitted goes at once. Any other change waits until
        it has stayed unchanged for PONDOK_SETTLE_MINUTES, and until quiet hours are over.
        """
        fresh = {r.ticket for r in new_requests}
        since = self.since
        quiet = in_quiet_hours(self.now, self.settings.quiet_hours)
        ready: list[tuple[datetime, Due]] = []
        for item in due:
            if item.request.ticket in fresh:
                ready.append((self.now - timedelta(days=36500), item))  # first in line
                continue
            status, seen = since.get(item.request.ticket, ("", ""))
            first = self._parse(seen) if status == item.request.status else self.now
            if not is_settled(first, self.now, self.settings.settle_minutes) or (quiet and item.phone):
                self.report.waiting += 1
                continue
            ready.append((first, item))
        ready.sort(key=lambda pair: pair[0])
        if len(ready) > self.max_sends:
            self.report.waiting += len(ready) - self.max_sends
        return [item for _, item in ready[:self.max_sends]]

    def _remind(self, requests: list[Request], exclude: set[str]) -> dict[str, str]:
        """Pickup reminders for letters left waiting: after 3 and 7 working days, never a third."""
        results: dict[str, str] = {}
        if in_quiet_hours(self.now, self.settings.quiet_hours):
            return results
        for request in requests:
            number = reminder_due(request, self.now) if request.ticket not in exclude else 0
            phone = parse_phone(request.whatsapp) if number else None
            if not number or phone is None or self.sending_stopped or self.report.sent >= self.max_sends:
                continue
            key = f"{REMINDER} {number}"
            prior = self.state.was_sent(request.ticket, key, request.notified)
            if prior is None or prior.startswith(UNCERTAIN):
                notice = self._compose(request, Status.SIAP_DIAMBIL, phone, wording=REMINDER, kind="pengingat",
                                       ref=announcement_ref(request.ticket, key, request.notified))
                if self._deliver(request, notice, key) is None:
                    continue  # try again at the next sync; a refusal for good counts as this reminder
                prior = reminded_text(request.notified, number)
                self.state.record_sent(request.ticket, key, request.notified, prior, self.stamp)
            results[request.ticket] = prior
        return results

    def _parse(self, stamp: str) -> datetime:
        try:
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=self.settings.timezone)
        except ValueError:
            return self.now

    def _announce(self, due: Due) -> str:
        """Tell the resident (once); returns the Notifikasi value to write."""
        request, status = due.request, due.status
        prior = self.state.was_sent(request.ticket, status.value, request.notified)
        if prior is not None and not prior.startswith(UNCERTAIN):
            return prior
        if due.phone is None:
            result = not_sent_text(status, BAD_NUMBER)
            self._log(request.ticket, "-", "status", "", f"tidak terkirim: {BAD_NUMBER}", "")
            self.report.not_sent += 1
        else:
            notice = self._compose(request, status, due.phone,
                                   ref=announcement_ref(request.ticket, status.value, request.notified))
            outcome = self._deliver(request, notice, status.value)
            if outcome is None:
                return request.notified  # not sent yet: tried again at the next sync
            if outcome is False:
                result = not_sent_text(status, self.last_reason)
            else:
                result = waiting_text(status) if self.messenger.confirms_later else told_text(status, self.stamp)
        self.state.record_sent(request.ticket, status.value, request.notified, result, self.stamp)
        return result

    def _deliver(self, request: Request, notice: Notice, key: str) -> bool | None:
        """Send through the messenger and log it: True sent, False refused for good, None try later.

        A send whose answer never came is marked in the ledger; the next syncs wait for
        WhatsApp's own report of it (it carries `notice.ref`) and send again only after
        UNCERTAIN_WAIT without one, so a time-out does not become a second message.
        """
        assert notice.to is not None
        mark = self.state.was_sent(request.ticket, key, request.notified) or ""
        if mark.startswith(UNCERTAIN):
            message_id = self.office.wa.ref_delivered(notice.ref)
            if message_id:
                self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                          "terkirim (dipastikan dari laporan WhatsApp)", message_id)
                self.report.sent += 1
                return True
            if self.now - self._parse(mark[len(UNCERTAIN):]) < UNCERTAIN_WAIT:
                self.report.waiting += 1
                return None
        if self.sending_stopped:
            self.report.retry_later += 1
            return None
        try:
            message_id = self.messenger.send(notice, self.now)
        except MessengerError as error:
            self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                      f"gagal: {error.reason}" if error.permanent else f"gagal sementara: {error.reason}", "")
            if error.uncertain:
                self.state.record_sent(request.ticket, key, request.notified, UNCERTAIN + self.stamp, self.stamp)
            if not error.permanent:
                self.report.retry_later += 1
                self.sending_stopped = error.reason if error.stop_all else ""
                log.warning("message for %s not sent, retried next sync: %s", request.ticket, error.reason)
                return None
            self.report.not_sent += 1
            self.last_reason = error.reason
            return False
        waiting = self.messenger.confirms_later
        self._log(request.ticket, notice.to.masked, notice.kind, notice.text,
                  "menunggu dikirim petugas" if waiting else "terkirim", message_id)
        self.report.sent += 1
        return True

    def _resend_templates(self) -> None:
        """Messages Meta reported undelivered because the 24-hour window had closed: once, as the template."""
        resend = getattr(self.messenger, "resend_as_template", None)
        for sent in self.office.wa.due_resends():
            if resend is None or self.sending_stopped:
                break
            try:
                message_id = resend(sent, self.now)
            except MessengerError as error:
                if not error.permanent:
                    self.sending_stopped = error.reason if error.stop_all else ""
                    continue  # still due: tried again next cycle
                result = f"gagal: {error.reason}"
                message_id = ""
            else:
                result = "terkirim ulang sebagai template"
            self.office.wa.mark_resent(sent.message_id)
            self._log(sent.ticket, mask_phone(sent.phone), sent.kind, sent.text, result, message_id)

    def _compose(self, request: Request, status: Status, phone: Phone, wording: Status | str | None = None,
                 kind: str = "status", ref: str = "") -> Notice:
        values = {
            "nama": unneutralize(request.name), "tiket": request.ticket,
            "layanan": service_name(self.services, request.service), "status": status.value,
            "catatan": unneutralize(request.note), "desa": self.settings.village,
            "tautan": ticket_link(self.settings, request.ticket),
        }
        return Notice(to=phone, text=render(self.wording[wording or status], values), kind=kind,
                      ticket=request.ticket, status=status.value, params=template_params(values), ref=ref)

