"""Where a client's address comes from: `PONDOK_PROXY_HOPS` reverse proxies in front, or none.

One decider under every server (waitress, uWSGI, gunicorn): werkzeug's `ProxyFix` trusts the
last `hops` entries of `X-Forwarded-For` (and `-Proto`, `-Host`). With hops 0 nothing is
trusted and the forwarding headers are removed before the app sees them, so a forged header
changes nothing. `serve` therefore asks waitress to pass the headers through unchanged
(`waitress_options`): waitress's own clearing would hide them from the sample below too.

The sample: how many `X-Forwarded-For` entries recent requests carried, and whether the peer
was a loopback or private address (counts only, never an address), kept in local state for
`doctor`, which cannot see live requests. It is written on the 1st, 2nd, 4th, 8th … request
and then at most once a minute; counts are halved past 1,000 requests so they stay recent.
"""
from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Settings
from ..state.snapshot import Meta

log = logging.getLogger(__name__)

SAMPLE_KEY = "proxy_sample"  # in the state's meta book
WRITE_SECONDS = 60
KEEP_REQUESTS = 1000
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                      "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_X_FORWARDED_BY", "HTTP_FORWARDED")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def waitress_options(settings: Settings) -> dict[str, object]:
    """What `serve` gives waitress about proxies: pass the forwarding headers through, trust nothing.

    `behind_proxies` (inside the app) is what trusts or removes them, whatever the server."""
    return {"clear_untrusted_proxy_headers": False}


def behind_proxies(app: WsgiApp, settings: Settings, meta: Meta) -> WsgiApp:
    """The app wrapped so `request.remote_addr` is the client's address, and the sample kept."""
    hops = settings.proxy_hops
    inner = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops) if hops else app
    return ForwardedSample(inner, hops, meta)


def forwarded_entries(environ: dict[str, Any]) -> int:
    """How many addresses `X-Forwarded-For` lists (0 without the header)."""
    return sum(1 for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip())


def is_local(address: str) -> bool:
    """Loopback or private (a proxy on the same machine or network), not a visitor on the internet."""
    try:
        found = ipaddress.ip_address(address)
    except ValueError:
        return False
    return found.is_loopback or found.is_private


class ForwardedSample:
    """WSGI middleware, outermost: counts forwarding entries, removes untrusted headers at hops 0."""

    def __init__(self, app: WsgiApp, hops: int, meta: Meta):
        self.app, self.hops, self.meta = app, hops, meta
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "entries": [0, 0, 0, 0], "local_peer": 0, "local_with_xff": 0}
        self.written_at = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.count(forwarded_entries(environ), is_local(environ.get("REMOTE_ADDR", "")))
        if not self.hops:
            for name in FORWARDING_HEADERS:
                environ.pop(name, None)
        return self.app(environ, start_response)

    def count(self, entries: int, local_peer: bool) -> None:
        with self.lock:
            counts = self.counts
            if counts["requests"] >= KEEP_REQUESTS:
                counts.update(requests=counts["requests"] // 2, entries=[n // 2 for n in counts["entries"]],
                              local_peer=counts["local_peer"] // 2, local_with_xff=counts["local_with_xff"] // 2)
            counts["requests"] += 1
            counts["entries"][min(entries, 3)] += 1
            counts["local_peer"] += local_peer
            counts["local_with_xff"] += local_peer and entries > 0
            due = (counts["requests"] & (counts["requests"] - 1) == 0 and counts["requests"] <= KEEP_REQUESTS
                   or time.monotonic() - self.written_at >= WRITE_SECONDS)
            if not due:
                return
            self.written_at = time.monotonic()
            sample = {**counts, "entries": list(counts["entries"]), "hops": self.hops,
                      "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        try:
            self.meta.set(SAMPLE_KEY, sample)
        except Exception:  # a sample lost is no loss; the request goes on
            log.warning("proxy sample not kept", exc_info=True)
