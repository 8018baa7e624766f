"""Pondok Sheets: `python main.py COMMAND` (see --help), and the WSGI `app` for gunicorn, waitress and uWSGI."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


class LazyWsgiApp:
    """The WSGI app, built on its first request, once per process.

    A real module attribute, because uWSGI (`--module main:app`) looks `app` up in the module's dict, where
    a module `__getattr__` is never asked. Built on first use, so `python main.py --help` and the CLI
    commands build nothing, and each uWSGI worker builds its own app after the fork.
    """

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = threading.Lock()

    def build(self) -> Any:
        """The Flask app (see `pondok_sheets.app.create_wsgi_app`), built now if it was not yet."""
        if self._app is None:
            with self._lock:
                if self._app is None:
                    import logging

                    from pondok_sheets.app import create_wsgi_app

                    logging.basicConfig(level=logging.INFO,
                                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
                    self._app = create_wsgi_app()
        return self._app

    def check_settings(self) -> None:
        """Read the settings now, so a bad PONDOK_* value stops a reload with its name (builds nothing)."""
        from pondok_sheets.config import load_config

        load_config()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.build()(environ, start_response)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and inspect probe these: never build for them
            raise AttributeError(name)
        return getattr(self.build(), name)


app = LazyWsgiApp()

if __name__ == "__main__":
    from pondok_sheets.cli import main

    main()
