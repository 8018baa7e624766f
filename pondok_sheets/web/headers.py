"""Security headers on every response, and the session cookie's flags.

No inline script or style anywhere (CSS and the copy button are static files), so the policy
can forbid both; pages may never be framed; the browser may not guess content types; other
sites learn only our origin from a link. `serve` hands waitress `SERVER_IDENT` so no response
names the server software.
"""
from __future__ import annotations

from flask import Flask, Response

# waitress's `ident`: empty means no `Server:` header at all (waitress adds one only when set).
SERVER_IDENT = ""

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def register(app: Flask) -> None:
    """Add the headers to every response of `app`; the session cookie is Secure behind https."""
    public_url = app.extensions["pondok"].settings.public_url
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if public_url.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True

    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.pop("Server", None)  # waitress then adds none (SERVER_IDENT)
        return response
