"""The app factory: settings, the Office, the inbox worker, the pages, the limits, the error pages;
and the app a plain WSGI server runs (`create_wsgi_app`), which flushes submissions itself."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from .config import Settings, ensure_secret_key, load_config
from .flow.catalogue import first_start
from .flow.inbox import InboxWorker
from .office import Clock, Office
from .state.limits_store import storage_uri
from .web import (compression, errors, headers, health, letters, pages, printed, proxies, tasks, transparency, voice,
                  webhook)
from .web.after_response import FlushAfterResponse

WINDOW = "10 minutes"


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None,
               clock: Clock | None = None) -> Flask:
    """Build the app: settings, the Office, the inbox worker, pages; both live on `app.extensions`."""
    settings = settings or load_config()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=ensure_secret_key(settings),
        WTF_CSRF_TIME_LIMIT=None,  # a resident may fill the form slowly on a bad connection
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    csrf = CSRFProtect(app)
    office = app.extensions["pondok"] = Office.open(settings, clock)
    app.extensions["pondok.inbox"] = InboxWorker(office)
    first_start(office)

    @app.context_processor
    def office_details() -> dict[str, str]:
        return {"village": settings.village, "office_hours": settings.office_hours,
                "prefix": settings.ticket_prefix}

    for blueprint in (pages.bp, health.bp, printed.bp, transparency.bp, voice.bp, webhook.bp, tasks.bp, letters.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(webhook.bp)  # Meta signs its requests instead
    csrf.exempt(tasks.bp)  # a bearer token instead
    app.wsgi_app = proxies.behind_proxies(app.wsgi_app, settings, office.state.meta)  # type: ignore[method-assign]
    limit_requests(app, settings)
    errors.register(app)
    headers.register(app)
    compression.register(app)  # gzip for text responses; ETags and 304s kept (web/compression.py)
    return app


def create_wsgi_app(settings: Settings | None = None) -> Flask:
    """The app for gunicorn, waitress-serve and uWSGI (`main:app`): no scheduler runs there, so a submission
    is flushed by the request that queued it, once its answer is out. `serve` uses `create_app` and its
    scheduler instead."""
    app = create_app(settings)
    app.wsgi_app = FlushAfterResponse(app.wsgi_app, app.extensions["pondok"])  # type: ignore[method-assign]
    return app


def limit_requests(app: Flask, settings: Settings) -> None:
    """Per-address limits against spam and ticket guessing, counting what hurts.

    Many residents share one mobile carrier's address (CGNAT), so a form submission that is
    accepted counts only against a high per-address backstop; refused ones (empty or invalid
    fields, the honeypot, an unknown link) are what is limited: per address and form render
    (its one-time `kiriman` id) first, so a client replaying one page is stopped without
    touching its neighbours, then per address. Look-ups count every request. The counters live in
    the local state folder (or PONDOK_LIMITER_URI), so every worker process counts together."""
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True,
                      storage_uri=settings.limiter_uri or storage_uri(settings.data_dir))
    form_limits = [(f"1000 per {WINDOW}", get_remote_address, None)]
    for endpoint, limits in (
            ("pages.apply", form_limits + [(f"10 per {WINDOW}", address_and_render, refused),
                                           (f"100 per {WINDOW}", get_remote_address, refused)]),
            ("voice.complaint_form", form_limits + [(f"20 per {WINDOW}", get_remote_address, refused)]),
            ("voice.survey_answer", form_limits + [(f"20 per {WINDOW}", get_remote_address, refused)])):
        view = app.view_functions[endpoint]
        for rule, key, deduct_when in limits:
            view = limiter.limit(rule, key_func=key, methods=["POST"], deduct_when=deduct_when,
                                 per_method=True)(view)
        app.view_functions[endpoint] = view
    for endpoint, rule in (("pages.check", "60"), ("letters.verify_letter", "60"), ("pages.ticket", "120"),
                           ("voice.survey_start", "60"), ("voice.complaint", "120")):
        app.view_functions[endpoint] = limiter.limit(f"{rule} per {WINDOW}")(app.view_functions[endpoint])


def refused(response: Response) -> bool:
    """A form submission that filed nothing: invalid fields or the honeypot (422), an unknown service or
    survey link (404, what a link guesser gets). A bad CSRF token is refused (400) before any limit is
    looked at, and costs less than counting it would."""
    return response.status_code in (404, 422)


def address_and_render() -> str:
    """The client's address and the form render it is sending (empty when the POST carries none)."""
    render = request.form.get(pages.SUBMISSION, "")
    return f"{get_remote_address()}/{render if pages.SUBMISSION_ID.fullmatch(render) else ''}"
