"""The embedded default: messages are printed and kept in a local outbox, nothing leaves the machine."""
from __future__ import annotations

import sys
import uuid
from datetime import datetime
from typing import TextIO

from ..register.messages import Notice
from .base import Messenger, register


@register
class ConsoleMessenger(Messenger):
    """Prints each message (number masked) instead of sending it; `outbox` lists them."""

    name = "console"
    label = "Konsol"
    stream: TextIO | None = None  # None: whatever sys.stdout is at the time

    def send(self, notice: Notice, now: datetime) -> str:
        stamp = now.strftime("%Y-%m-%d %H:%M")
        self.state.add_outbox(stamp, notice.to.masked, notice.kind, notice.ticket, notice.text)
        out = self.stream or sys.stdout
        print(f"--- WhatsApp ke {notice.to.masked} ({notice.kind}, {notice.ticket or '-'}) ---", file=out)
        print(notice.text, file=out, flush=True)
        return f"console-{uuid.uuid4().hex[:12]}"
