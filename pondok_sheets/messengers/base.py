"""The messenger seam: one way to send a Notice, whichever channel carries it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import TYPE_CHECKING

from ..register.messages import Notice

if TYPE_CHECKING:
    from ..config import Settings
    from ..state import State
    from ..whatsapp.state import WhatsAppState


class MessengerError(RuntimeError):
    """A message could not be sent.

    `permanent`: retrying this message cannot help (the number is not on WhatsApp), as
    opposed to a busy or unreachable API. `stop_all`: the office's set-up is wrong (an
    expired token): no message can go out until the operator acts, so the cycle stops
    sending and every message stays pending. `uncertain`: the API never answered, so the
    message may or may not have gone out.
    """

    def __init__(self, reason: str, permanent: bool = False, stop_all: bool = False, uncertain: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.stop_all = stop_all
        self.uncertain = uncertain  # no answer: the message may have gone out


class Messenger(ABC):
    """Sends notices to residents and staff; subclasses register under a PONDOK_WA_PROVIDER name."""

    name = ""
    label = ""  # the Saluran shown in the Log tab
    confirms_later = False  # True when staff send the message themselves and tick it (links)

    def __init__(self, settings: "Settings", state: "State", wa: "WhatsAppState"):
        self.settings = settings
        self.state = state
        self.wa = wa

    @abstractmethod
    def send(self, notice: Notice, now: datetime) -> str:
        """Send `notice`; returns the message id, or raises MessengerError."""


MESSENGERS: dict[str, type[Messenger]] = {}


def register(cls: type[Messenger]) -> type[Messenger]:
    """Class decorator adding a messenger to the registry under its `name`."""
    MESSENGERS[cls.name] = cls
    return cls
