"""A submission's flush once its answer is out, in the worker that took it: no thread, no tick.

A plain WSGI host (waitress-serve, gunicorn, uWSGI as on PythonAnywhere) runs no scheduler, and
its workers may run no background thread. Every WSGI server calls the response's `close()` after
it has sent the body, so the flush runs there: the resident has the answer already, and the
WhatsApp confirmation goes out seconds later. It is bounded twice: it never waits for the run lock
(a tick or another worker's flush that holds it takes the submission in), and it ends within
AFTER_RESPONSE_SECONDS, Google answering or not.

Until the flush ends, the worker keeps that connection. uWSGI's router closes it only then, so
under uWSGI the answer asks the browser not to reuse it (`Connection: close`) and the redirect to
the receipt page goes to another worker at once. waitress refuses that header from an app (PEP
3333) and reads the next request on the connection only after the flush: there the receipt page
follows the flush (about a second while Google answers, at most AFTER_RESPONSE_SECONDS).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

from ..flow.jobs import flush_now
from ..office import Office

log = logging.getLogger(__name__)
AFTER_RESPONSE_SECONDS = 10  # a worker flushing is a worker not answering: less than a whole run's deadline

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FlushAfterResponse:
    """WSGI middleware: after a response whose request queued a submission, flush it (where no scheduler does)."""

    def __init__(self, app: WsgiApp, office: Office):
        self.app = app
        self.office = office

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        wakeup = self.office.wakeup
        wakeup.take()  # forget what this thread noted outside a request (an inbox thread, a test)

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            # Only uWSGI takes a hop-by-hop header from the app (waitress and wsgiref refuse it, PEP 3333).
            if wakeup.has_arrived() and "uwsgi.version" in environ:
                headers = [*[(k, v) for k, v in headers if k.lower() != "connection"], ("Connection", "close")]
            return start_response(status, headers, exc_info)

        body = self.app(environ, respond)
        queued = wakeup.take()
        # A POST may also queue work while its response closes (the chat, handled after Meta's answer).
        if not queued and environ.get("REQUEST_METHOD") != "POST":
            return body
        return ClosingIterator(body, lambda: self.flush(queued or wakeup.take()))

    def flush(self, queued: bool) -> None:
        """Flush now if this request queued work and nobody else (serve's scheduler) is going to."""
        if not queued or self.office.wakeup.is_watched():
            return
        try:
            summary = flush_now(self.office, self.office.now(), seconds=AFTER_RESPONSE_SECONDS)
        except Exception:  # the answer is out already; the next tick takes the submission in
            log.exception("flush after the response failed; the submission stays queued for the next tick")
            return
        if summary is None:
            log.info("flush after the response skipped: another run holds the lock and takes the submission in")
        else:
            log.info("flush after the response: %s", summary)
