"""A graceful stop for the long-running commands: SIGTERM (systemd, a host redeploy) and Ctrl+C.

The first signal asks the office to stop (`Office.stopping`): the send in hand finishes, no new
message or job is started, the cycle writes back what it did, and the command ends with one line
for staff. A second signal ends the process at once; a message caught in flight then stays
recorded as an intent, settled by WhatsApp's report before anything is sent again.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `tick` imports this module on its lean idle path: no Office modules at import
    from ..office import Office

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stopped_line(office: Office) -> str:
    """What staff read when the process ended on a stop request."""
    return (f"Pondok Sheets berhenti ({office.stopping.reason}): pesan yang sedang dikirim sudah diselesaikan; "
            "pekerjaan yang belum dimulai dikerjakan saat dijalankan lagi.")


def end_server_loop() -> None:
    """Leave waitress' loop as Ctrl+C does (it catches KeyboardInterrupt and closes its workers)."""
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals(office: Office, then: Callable[[], None] | None = None) -> Iterator[None]:
    """While inside, SIGTERM/SIGINT ask `office` to stop (then call `then`, e.g. to end a server loop)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may take signals (a command invoked from a test's worker thread)
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        # No output here: the handler runs between two bytecodes of the main thread, which may be in the
        # middle of writing to the same stream (a reentrant write raises); the command says it afterwards.
        if office.stopping.is_requested():
            raise KeyboardInterrupt  # asked twice: stop now
        office.stopping.request(signal.Signals(signum).name)
        if then is not None:
            then()

    previous = {sig: signal.signal(sig, ask) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
