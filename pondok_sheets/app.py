"""The app factory: settings, the Office, the inbox worker, the pages, the limits, the error pages."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Settings, ensure_secret_key, load_config
from .flow.catalogue import first_start
from .flow.inbox import InboxWorker
from .office import Clock, Office
from .web import compression, errors, headers, letters, pages, printed, tasks, transparency, voice, webhook


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

    for blueprint in (pages.bp, printed.bp, transparency.bp, voice.bp, webhook.bp, tasks.bp, letters.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(webhook.bp)  # Meta signs its requests instead
    csrf.exempt(tasks.bp)  # a bearer token instead
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    limit_requests(app)
    errors.register(app)
    headers.register(app)
    compression.register(app)  # gzip for text responses; ETags and 304s kept (web/compression.py)
    return app


def limit_requests(app: Flask) -> None:
    """Per-IP limits against spam and ticket guessing. Generous, because many residents share
    one mobile carrier's IP address (CGNAT)."""
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True)
    for endpoint, rule, methods in (("pages.apply", "20 per 10 minutes", ["POST"]),
                                    ("pages.check", "60 per 10 minutes", None),
                                    ("letters.verify_letter", "60 per 10 minutes", None),
                                    ("pages.ticket", "120 per 10 minutes", None),
                                    ("voice.complaint_form", "20 per 10 minutes", ["POST"]),
                                    ("voice.survey_answer", "20 per 10 minutes", ["POST"]),
                                    ("voice.survey_start", "60 per 10 minutes", None),
                                    ("voice.complaint", "120 per 10 minutes", None)):
        app.view_functions[endpoint] = limiter.limit(rule, methods=methods)(app.view_functions[endpoint])
