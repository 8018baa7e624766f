"""Messengers behind one seam, chosen by PONDOK_WA_PROVIDER."""
from __future__ import annotations

from ..config import Settings
from ..state import State
from . import cloud, console, links  # noqa: F401  (each registers itself)
from .base import MESSENGERS, Messenger, MessengerError

__all__ = ["Messenger", "MessengerError", "make_messenger"]


def make_messenger(settings: Settings, state: State) -> Messenger:
    """The messenger named by PONDOK_WA_PROVIDER."""
    return MESSENGERS[settings.wa_provider].build(settings, state)
