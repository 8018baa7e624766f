"""Messengers behind one seam, chosen by PONDOK_WA_PROVIDER."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import console  # noqa: F401  (registers itself)
from .base import MESSENGERS, Messenger, MessengerError

if TYPE_CHECKING:
    from ..config import Settings
    from ..state import State

__all__ = ["Messenger", "MessengerError", "make_messenger"]


def make_messenger(settings: "Settings", state: "State") -> Messenger:
    """The messenger named by PONDOK_WA_PROVIDER."""
    return MESSENGERS[settings.wa_provider](settings, state)
