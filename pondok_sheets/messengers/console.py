"""The embedded default: messages are printed and kept in a local outbox, nothing leaves the machine."""
from __future__ import annotations

import sys
import uuid
from datetime import datetime
from typing import TextIO

from ..config import Settings
from ..register.messages import Notice
from ..register.stamps import format_stamp
from ..state import State
from ..state.outbox import ConsoleOutbox
from .base import Messenger, register


@register
class ConsoleMessenger(Messenger):
    """Prints each message (number masked) instead of sending it; `outbox` lists them."""

    name = "console"
    label = "Konsol"
    stream: TextIO | None = None  # None: whatever sys.stdout is at the time

    def __init__(self, settings: Settings, outbox: ConsoleOutbox):
        super().__init__(settings)
        self.outbox = outbox

    @classmethod
    def build(cls, settings: Settings, state: State) -> ConsoleMessenger:
        return cls(settings, state.outbox)

    def send(self, notice: Notice, now: datetime) -> str:
        self.outbox.add(format_stamp(now), notice.to.masked, notice.kind, notice.ticket, notice.text)
        out = self.stream or sys.stdout
        print(f"--- WhatsApp ke {notice.to.masked} ({notice.kind}, {notice.ticket or '-'}) ---", file=out)
        print(notice.text, file=out, flush=True)
        return f"console-{uuid.uuid4().hex[:12]}"
