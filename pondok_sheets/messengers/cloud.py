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

    def send(self, notice: Notice, now: datetime) -> str:
        phone = notice.to.e164
        can_template = bool(notice.params and self.settings.wa_template)
        as_template = can_template and not self.windows.is_open(phone, now)
        try:
            message_id = self.client.send(self.payload(notice, as_template))
        except GraphError as error:
            if error.kind != "window" or as_template or not can_template:
                raise self.explain(error) from None
            log.info("window closed for %s (%s); resending as template", notice.ticket or notice.kind, error.code)
            as_template = True
            try:
                message_id = self.client.send(self.payload(notice, as_template))
            except GraphError as again:
                raise self.explain(again) from None
        self.sent.record_cloud_message(SentMessage(message_id, notice.ticket, notice.status, notice.kind, phone, notice.text,
                                        notice.params, "template" if as_template else "text"), now)
        return message_id

    def resend_as_template(self, sent: SentMessage, now: datetime) -> str:
        """Resend a free-text message Meta reported undelivered for a closed window (once)."""
        if not (sent.params and self.settings.wa_template):
            raise MessengerError("di luar jendela 24 jam dan PONDOK_WA_TEMPLATE belum diatur", permanent=True)
        payload = self._template(sent.phone, sent.params)
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
        send whose answer was lost (a time-out) is recognised as delivered, not sent again.
        """
        body = self._body(notice, as_template)
        if notice.ref:
            body["biz_opaque_callback_data"] = notice.ref
        return body

    def _body(self, notice: Notice, as_template: bool) -> dict[str, Any]:
        to = notice.to.e164
        if as_template:
            return self._template(to, notice.params)
        choices = notice.choices
        if choices and len(choices) <= BUTTONS_MAX and all(len(t) <= 20 for _, t in choices):
            return {"to": to, "type": "interactive", "interactive": {
                "type": "button", "body": {"text": notice.text[:1024]},
                "action": {"buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in choices]}}}
        if choices and len(choices) <= LIST_MAX:
            return {"to": to, "type": "interactive", "interactive": {
                "type": "list", "body": {"text": notice.text[:1024]},
                "action": {"button": "Pilih", "sections": [{"title": "Pilihan", "rows": [
                    {"id": i, "title": t[:24]} for i, t in choices]}]}}}
        return {"to": to, "type": "text", "text": {"preview_url": False, "body": notice.text[:4096]}}

    def _template(self, to: str, params: tuple[str, ...]) -> dict[str, Any]:
        return {"to": to, "type": "template", "template": {
            "name": self.settings.wa_template, "language": {"code": self.settings.wa_template_lang},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]}}

    @staticmethod
    def explain(error: GraphError) -> MessengerError:
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
            return MessengerError(f"WhatsApp sedang sibuk ({error.code}); dicoba lagi")
        if error.kind == "window":
            return MessengerError("di luar jendela 24 jam dan PONDOK_WA_TEMPLATE belum diatur", permanent=True)
        return MessengerError(PERMANENT_REASONS.get(error.code, f"ditolak WhatsApp ({error.code})"), permanent=True)
