"""What every fake API shares: a WSGI app served on 127.0.0.1 from a background thread.

`waitress_thread` serves a real waitress server the same way, for tests of the app under it.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without the per-request access log on stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        pass


class LocalServer:
    """Start/stop and the origin of a fake served on a free local port.

    Subclasses provide `_wsgi(environ, start_response)`; `_stopping` is set on stop() so
    requests a fake holds back (a simulated hang) end at once.
    """

    thread_name = "fake-api"
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None
    _port: int | None = None

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise NotImplementedError

    def start(self):  # type: ignore[no-untyped-def]  # returns the subclass
        if self._server is not None:
            return self
        self._stopping.clear()
        server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self._port = server.server_address[1]
        # A short poll interval keeps stop() fast (serve_forever checks for shutdown only between polls).
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests held back by a simulated hang are released first."""
        self._stopping.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _origin(self) -> str:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started; call start() first")
        return f"http://127.0.0.1:{self._port}"


@contextmanager
def waitress_thread(server: Any) -> Iterator[str]:
    """Run a waitress `create_server(...)` in a thread and yield its origin; close it cleanly.

    `server.run()` in steps, so the listening socket is closed only once the loop has stopped
    selecting on it (closing under a running `run()` ends the thread on EBADF).
    """
    stopped = threading.Event()

    def loop() -> None:
        while not stopped.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=loop, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopped.set()
        thread.join(timeout=5)
        server.close()
        server.task_dispatcher.shutdown()
