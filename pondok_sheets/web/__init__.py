"""What residents see in the browser, and the endpoints Meta and cron pingers call."""
from __future__ import annotations

from flask import current_app

from ..flow.inbox import InboxWorker
from ..office import Office


def current_office() -> Office:
    """The Office of the running app: the one way web code reaches it."""
    return current_app.extensions["pondok"]


def inbox_worker() -> InboxWorker:
    """The worker that handles webhook events after the answer."""
    return current_app.extensions["pondok.inbox"]
