"""No API, no cost: each message becomes a wa.me link staff tap to send from the office's
WhatsApp Business app, then tick as sent. Nothing counts as told until it is ticked."""
from __future__ import annotations

from datetime import datetime

from ..config import Settings
from ..register.links import Links
from ..register.messages import Notice
from ..register.stamps import format_stamp
from ..register.validation import is_yes
from ..state import State
from ..state.whatsapp import LinkQueue
from .base import Messenger, register


def is_ticked(value: str) -> bool:
    """A tick box, or whatever staff typed to mean 'sent'."""
    return is_yes(value)


@register
class LinksMessenger(Messenger):
    """Queues each message as a row of the Kirim WA tab (or `outbox` locally)."""

    name = "links"
    label = "Tautan wa.me"
    confirms_later = True

    def __init__(self, settings: Settings, links: LinkQueue):
        super().__init__(settings)
        self.links = links

    @classmethod
    def build(cls, settings: Settings, state: State) -> LinksMessenger:
        return cls(settings, state.links)

    def send(self, notice: Notice, now: datetime) -> str:
        link_id = self.links.add(format_stamp(now), notice.ticket, notice.status,
                                     notice.to.masked, notice.text, Links.wa_me(notice.to.digits, notice.text))
        return f"link-{link_id}"
