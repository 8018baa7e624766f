"""Pondok Sheets: a village office's Google Sheet as the register of residents' requests.

`create_app` lives in `app.py`; it is loaded on first use so that a command that needs no
web app (a cron `tick` with nothing due) never imports Flask's extensions.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
