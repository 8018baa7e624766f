"""Background sync for `serve`: a cycle every PONDOK_SYNC_MINUTES, and soon after each submission."""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)

COALESCE_SECONDS = 3.0  # submissions arriving together go to the register in one append


def start_background_sync(app: Flask) -> threading.Thread:
    """Start the sync loop in a daemon thread; a submission wakes it early."""
    office = app.extensions["pondok"]
    wake = threading.Event()
    office.on_submit = wake.set

    def loop() -> None:
        interval = office.settings.sync_minutes * 60
        while True:
            try:
                office.sync()
            except Exception:  # the loop must outlive any one bad cycle
                log.exception("sync cycle crashed; next try in %s s", interval)
            if wake.wait(timeout=interval):
                wake.clear()
                time.sleep(COALESCE_SECONDS)  # let a burst gather into one append

    thread = threading.Thread(target=loop, name="pondok-sync", daemon=True)
    thread.start()
    return thread
