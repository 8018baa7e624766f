"""Pondok Sheets: `python main.py COMMAND` (see --help), and the WSGI `app` for gunicorn or waitress."""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Built on first access, so `python main.py --help` works even before configuration is right.
    if name == "app":
        import logging

        from pondok_sheets import create_app

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

        globals()["app"] = app = create_app()
        return app
    raise AttributeError(name)


if __name__ == "__main__":
    from pondok_sheets.cli import main

    main()
