"""Experiment: what the app sees behind waitress's proxy settings, with and without ProxyFix.

Run: python docs/research/proxy_experiment.py   (listens on 127.0.0.1 only, stops itself)
Each row sends one request with a forged or proxy-shaped X-Forwarded-For from `requests`.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import requests
from waitress.server import create_server
from werkzeug.middleware.proxy_fix import ProxyFix

WsgiApp = Callable[..., Any]


def echo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answer with what a Flask view would read: REMOTE_ADDR and the forwarded headers."""
    seen = {"REMOTE_ADDR": environ.get("REMOTE_ADDR"), "XFF": environ.get("HTTP_X_FORWARDED_FOR"),
            "scheme": environ.get("wsgi.url_scheme")}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


def waitress_settings(hops: int) -> dict[str, Any]:
    """The proposed mapping of PONDOK_PROXY_HOPS onto waitress's adjustments."""
    if hops == 0:
        return {}  # waitress 3 default: trusts nobody, clears X-Forwarded-* before the app runs
    return {"trusted_proxy": "*", "trusted_proxy_count": hops,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}}


def start(app: WsgiApp, settings: dict[str, Any]) -> str:
    """Serve `app` with `settings` on a free local port in a daemon thread; return its origin."""
    # Not closed: closing waitress while its loop thread selects races (EBADF); the process exits.
    server = create_server(app, host="127.0.0.1", port=0, **settings)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}/"


CASES = {
    "no header": {},
    "forged by client": {"X-Forwarded-For": "6.6.6.6"},
    "1 proxy (nginx/tunnel)": {"X-Forwarded-For": "203.0.113.7"},
    "forged + 1 proxy": {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"},
    "forged + 2 proxies": {"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 198.51.100.2"},
}

SETUPS: list[tuple[str, Callable[[int], tuple[WsgiApp, dict[str, Any]]]]] = [
    ("B: waitress trusts, no ProxyFix", lambda hops: (echo_app, waitress_settings(hops))),
    ("B+: waitress trusts + ProxyFix(hops)", lambda hops: (ProxyFix(echo_app, x_for=hops), waitress_settings(hops))),
    ("A: waitress passes, ProxyFix(hops)", lambda hops: (ProxyFix(echo_app, x_for=hops),
                                                         {} if hops == 0 else {"clear_untrusted_proxy_headers": False})),
    ("today: waitress default + ProxyFix(hops)", lambda hops: (ProxyFix(echo_app, x_for=hops), {})),
]

if __name__ == "__main__":
    for hops in (0, 1, 2):
        for label, setup in SETUPS:
            origin = start(*setup(hops))
            for case, headers in CASES.items():
                seen = requests.get(origin, headers=headers, timeout=5).json()
                print(f"hops={hops} | {label:40} | {case:22} | REMOTE_ADDR={seen['REMOTE_ADDR']:<13} XFF={seen['XFF']}")
