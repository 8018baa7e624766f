"""Pondok Sheets: a village office's Google Sheet as the register of residents' requests."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from .config import Settings, ensure_secret_key, load_config
from .office import Office
from .whatsapp.inbox import InboxWorker

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, register, messenger, pages; the office lives on `app.extensions`."""
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
    office = app.extensions["pondok"] = Office.from_settings(settings)
    office.inbox = InboxWorker(office)

    @app.context_processor
    def office_details() -> dict[str, str]:
        return {"village": settings.village, "office_hours": settings.office_hours,
                "prefix": settings.ticket_prefix}

    from .web import errors, pages, webhook

    app.register_blueprint(pages.bp)
    app.register_blueprint(webhook.bp)
    csrf.exempt(webhook.bp)  # Meta signs its requests instead
    errors.register(app)
    return app


def office_of(app: Flask) -> Office:
    """The Office the app was built with."""
    return app.extensions["pondok"]
