"""The messenger seam: one way to send a Notice, whichever channel carries it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from ..config import Settings
from ..errors import MessengerError
from ..register.messages import Notice
from ..state import State
from ..state.whatsapp import SentMessage

__all__ = ["MESSENGERS", "Messenger", "MessengerError", "register"]


class Messenger(ABC):
    """Sends notices to residents and staff; subclasses register under a PONDOK_WA_PROVIDER name."""

    name = ""
    label = ""  # the Saluran shown in the Log tab
    confirms_later = False  # True when staff send the message themselves and tick it (links)
    can_resend = False  # True when a message refused for a closed window can be resent as a template

    def __init__(self, settings: Settings):
        self.settings = settings

    @classmethod
    @abstractmethod
    def build(cls, settings: Settings, state: State) -> Messenger:
        """This messenger, handed only the books of local state it needs."""

    @abstractmethod
    def send(self, notice: Notice, now: datetime) -> str:
        """Send `notice`; returns the message id, or raises MessengerError."""

    def resend_as_template(self, sent: SentMessage, now: datetime) -> str:
        """Resend a message as the approved template (only where `can_resend`)."""
        raise MessengerError("pengiriman ulang sebagai template tidak didukung", permanent=True)


MESSENGERS: dict[str, type[Messenger]] = {}


def register(cls: type[Messenger]) -> type[Messenger]:
    """Class decorator adding a messenger to the registry under its `name`."""
    MESSENGERS[cls.name] = cls
    return cls
