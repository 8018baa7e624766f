"""The office's parts, wired once: settings, register, local state, messenger, clock and links.

Wiring only: an Office holds collaborators and decides nothing. The flow (`flow/`) is what
web pages, CLI commands and scheduled jobs call; it is handed an Office.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from .config import Settings, ensure_secret_key
from .messengers import Messenger, make_messenger
from .register.links import Links
from .state import State
from .stores import TableStore, open_store


class Clock:
    """The current time in the office's time zone; tests hand in one that says what they need."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def now(self) -> datetime:
        """Now, in the office's time zone."""
        return datetime.now(self.zone)


class Wakeup:
    """Tells whoever listens (serve's scheduler) that work arrived, so it is flushed soon; and, where no one
    listens, lets the request that queued it flush it once its answer is out (`web/after_response.py`)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._noted = threading.local()  # per thread: a WSGI server handles one request per thread at a time

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each submission."""
        self._listeners.append(listener)

    def is_watched(self) -> bool:
        """True when a listener (serve's scheduler) flushes submissions on its own."""
        return bool(self._listeners)

    def notify(self) -> None:
        """A submission arrived."""
        self._noted.arrived = True
        for listener in list(self._listeners):
            listener()

    def has_arrived(self) -> bool:
        """True if a submission arrived in this thread since the last `take` (kept for `take`)."""
        return getattr(self._noted, "arrived", False)

    def take(self) -> bool:
        """True if a submission arrived in this thread since the last `take`; forgets it."""
        arrived = getattr(self._noted, "arrived", False)
        self._noted.arrived = False
        return arrived


class StopRequest:
    """A stop asked of a running process (SIGTERM from systemd or a redeploy, Ctrl+C): the send in hand
    finishes or is abandoned with its intent recorded, and no new work is taken."""

    def __init__(self) -> None:
        self._asked = threading.Event()
        self.reason = ""

    def request(self, reason: str) -> None:
        """Ask every run of this process to stop taking new work."""
        self.reason = self.reason or reason
        self._asked.set()

    def is_requested(self) -> bool:
        """True once a stop was asked for."""
        return self._asked.is_set()


@dataclass(frozen=True)
class Office:
    """A village office's Pondok Sheets: everything the flow needs, built completely in `open`."""

    settings: Settings
    store: TableStore
    state: State
    messenger: Messenger
    clock: Clock
    links: Links
    wakeup: Wakeup = field(default_factory=Wakeup)
    stopping: StopRequest = field(default_factory=StopRequest)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None) -> "Office":
        """Open the register, the local state and the messenger the settings name."""
        state = State(settings.data_dir / "state.sqlite3", ensure_secret_key(settings))
        return cls(settings, open_store(settings), state, make_messenger(settings, state),
                   clock or Clock(settings.timezone), Links(settings.public_url, settings.office_wa))

    def now(self) -> datetime:
        """The current time in the office's time zone."""
        return self.clock.now()
