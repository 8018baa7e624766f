"""The messenger seam: one way to send a Notice, whichever channel carries it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import TYPE_CHECKING

from ..register.messages import Notice

if TYPE_CHECKING:
    from ..config import Settings
    from ..state import State


class MessengerError(RuntimeError):
    """A message could not be sent. `permanent` says retrying the same message cannot help
    (an unusable number, an expired token) as opposed to a busy or unreachable API."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Messenger(ABC):
    """Sends notices to residents and staff; subclasses register under a PONDOK_WA_PROVIDER name."""

    name = ""
    label = ""  # the Saluran shown in the Log tab

    def __init__(self, settings: "Settings", state: "State"):
        self.settings = settings
        self.state = state

    @abstractmethod
    def send(self, notice: Notice, now: datetime) -> str:
        """Send `notice`; returns the message id, or raises MessengerError."""


MESSENGERS: dict[str, type[Messenger]] = {}


def register(cls: type[Messenger]) -> type[Messenger]:
    """Class decorator adding a messenger to the registry under its `name`."""
    MESSENGERS[cls.name] = cls
    return cls
