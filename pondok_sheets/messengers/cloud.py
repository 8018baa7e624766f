"""Meta's WhatsApp Cloud API: free text inside the resident's 24-hour window, the approved
utility template outside it, and one template resend when Meta says the window closed (131047)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ..config import Settings
from ..register.messages import Notice
from ..state import State
from ..state.whatsapp import SentLog, SentMessage, WindowBook
from .base import Messenger, MessengerError, register
from .graph import OPERATOR, PERMANENT_REASONS, GraphClient, GraphConfig, GraphError

log = logging.getLogger(__name__)

BUTTONS_MAX, LIST_MAX = 3, 10  # what Meta's interactive messages allow


def address(to: str) -> dict[str, str]:
    """Who a message goes to: `to` for a phone number, `recipient` for a business-scoped user id.

    Meta: a user with a username may hide their number; the BSUID (`ID.1502…`) then goes in
    `recipient`, in place of `to` (error 131062 where Meta does not take it for this message).
    """
    return {"to": to} if to.startswith("+") else {"recipient": to}


@register
class CloudApiMessenger(Messenger):
    """Sends through the Graph API with the office's business number."""

    name = "cloud"
    label = "WhatsApp Cloud API"
    can_resend = True

    def __init__(self, settings: Settings, sent: SentLog, windows: WindowBook):
        super().__init__(settings)
        self.sent = sent
        self.windows = windows
        self.client = GraphClient(GraphConfig(settings.wa_api_url, settings.wa_token, settings.wa_phone_number_id))

    @classmethod
    def build(cls, settings: Settings, state: State) -> CloudApiMessenger:
        return cls(settings, state.sent, state.windows)

    def template_for(self, kind: str) -> str:
        """The approved template a message of this kind goes as outside the window ('' if none)."""
        return self.settings.wa_digest_template if kind == "ringkasan" else self.settings.wa_template

    def send(self, notice: Notice, now: datetime) -> str:
        phone = notice.to.e164
        can_template = bool(notice.params and self.template_for(notice.kind))
        as_template = can_template and not self.windows.is_open(phone, now)
        try:
            message_id = self.client.send(self.payload(notice, as_template))
        except GraphError as error:
            if error.kind != "window" or as_template or not can_template:
                raise self.explain(error, self._window_reason(notice)) from None
            log.info("window closed for %s (%s); resending as template", notice.ticket or notice.kind, error.code)
            as_template = True
            try:
                message_id = self.client.send(self.payload(notice, as_template))
            except GraphError as again:
                raise self.explain(again) from None
        self.sent.record_cloud_message(SentMessage(message_id, notice.ticket, notice.status, notice.kind, phone, notice.text,
                                        notice.params, "template" if as_template else "text"), now, notice.ref)
        return message_id

    def resend_as_template(self, sent: SentMessage, now: datetime) -> str:
        """Resend a free-text message Meta reported undelivered for a closed window (once)."""
        if not sent.params:
            raise MessengerError("di luar jendela 24 jam; balasan chat tidak punya template", permanent=True)
        if not self.template_for(sent.kind):
            raise MessengerError(self._window_reason(sent), permanent=True)
        payload = self._template(sent.phone, sent.params, self.template_for(sent.kind))
        try:
            message_id = self.client.send(payload)
        except GraphError as error:
            raise self.explain(error) from None
        self.sent.record_cloud_message(SentMessage(message_id, sent.ticket, sent.status, sent.kind, sent.phone, sent.text,
                                        sent.params, "template"), now)
        return message_id

    def payload(self, notice: Notice, as_template: bool) -> dict[str, Any]:
        """The Graph API body for `notice`: template, interactive choices, or text.

        `biz_opaque_callback_data` comes back in the message's status webhooks: it is how a
        send whose answer was lost (a time-out, or a process killed mid-send) is recognised as
        delivered, not sent again.
        """
        body = self._body(notice, as_template)
        if notice.ref:
            body["biz_opaque_callback_data"] = notice.ref
        return body

    def _body(self, notice: Notice, as_template: bool) -> dict[str, Any]:
        to = notice.to.e164
        if as_template:
            return self._template(to, notice.params, self.template_for(notice.kind))
        choices = notice.choices
        if choices and len(choices) <= BUTTONS_MAX and all(len(t) <= 20 for _, t in choices):
            return {**address(to), "type": "interactive", "interactive": {
                "type": "button", "body": {"text": notice.text[:1024]},
                "action": {"buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in choices]}}}
        if choices and len(choices) <= LIST_MAX:
            return {**address(to), "type": "interactive", "interactive": {
                "type": "list", "body": {"text": notice.text[:1024]},
                "action": {"button": "Pilih", "sections": [{"title": "Pilihan", "rows": [
                    {"id": i, "title": t[:24]} for i, t in choices]}]}}}
        return {**address(to), "type": "text", "text": {"preview_url": False, "body": notice.text[:4096]}}

    def _template(self, to: str, params: tuple[str, ...], name: str) -> dict[str, Any]:
        return {**address(to), "type": "template", "template": {
            "name": name, "language": {"code": self.settings.wa_template_lang},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]}}

    def _window_reason(self, message: Notice | SentMessage) -> str:
        if not message.params:
            return "di luar jendela 24 jam; balasan chat tidak punya template"
        if message.kind == "ringkasan":
            return "di luar jendela 24 jam dan PONDOK_WA_DIGEST_TEMPLATE belum diatur"
        return "di luar jendela 24 jam dan PONDOK_WA_TEMPLATE belum diatur"

    @staticmethod
    def explain(error: GraphError, window_reason: str = "") -> MessengerError:
        """A Graph API error as the seam's one error type, with a reason staff can read."""
        if error.kind == "operator":
            reason = OPERATOR.get(error.code, error.message)
            log.error("WhatsApp Cloud API refused every send until the set-up is fixed: [%s] %s — %s",
                      error.code, error.message, reason)
            return MessengerError(reason, stop_all=True)
        if error.kind == "uncertain":
            return MessengerError("WhatsApp tidak menjawab; dipastikan dari laporan WhatsApp sebelum dikirim ulang",
                                  uncertain=True)
        if error.kind == "retry":
            if error.http_status == 0:  # nothing reached Meta (refused connection, the run's deadline)
                return MessengerError(f"{error.message}; dicoba lagi")
            return MessengerError(f"WhatsApp sedang sibuk ({error.code}); dicoba lagi")
        if error.kind == "window":
            return MessengerError(window_reason or "di luar jendela 24 jam dan PONDOK_WA_TEMPLATE belum diatur",
                                  permanent=True)
        return MessengerError(PERMANENT_REASONS.get(error.code, f"ditolak WhatsApp ({error.code})"), permanent=True)
