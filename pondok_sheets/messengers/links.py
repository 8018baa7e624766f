"""No API, no cost: each message becomes a wa.me link staff tap to send from the office's
WhatsApp Business app, then tick as sent. Nothing counts as told until it is ticked."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from ..register.messages import Notice
from .base import Messenger, register

TICKED = frozenset({"true", "ya", "y", "x", "v", "✓", "✔", "1", "sudah", "terkirim"})


def wa_link(digits: str, text: str) -> str:
    """https://wa.me/<country code and number, digits only>?text=<the message, URL-encoded>."""
    return f"https://wa.me/{''.join(c for c in digits if c.isdigit())}?text={quote(text, safe='')}"


def is_ticked(value: str) -> bool:
    """A tick box, or whatever staff typed to mean 'sent'."""
    return value.strip().casefold() in TICKED


@register
class LinksMessenger(Messenger):
    """Queues each message as a row of the Kirim WA tab (or `outbox` locally)."""

    name = "links"
    label = "Tautan wa.me"
    confirms_later = True

    def send(self, notice: Notice, now: datetime) -> str:
        link_id = self.wa.queue_link(now.strftime("%Y-%m-%d %H:%M"), notice.ticket, notice.status,
                                     notice.to.masked, notice.text, wa_link(notice.to.digits, notice.text))
        return f"link-{link_id}"
