"""gzip for text responses (pages, CSS, SVG, JSON), by Flask-Compress, when the client asks for it.

Only gzip: every phone browser takes it, and one encoding keeps caching simple. Every response
says `Vary: Accept-Encoding`, so a cache never hands gzip to a client that did not ask. A
compressed response's strong ETag gets `:gzip` appended, so it never equals the identity one,
and Flask-Compress evaluates `If-None-Match` again on it: a phone's second view is still a 304.
Responses under 500 bytes (health checks, the webhook's and the tick's answers) stay as they are.

Only answers to GET and HEAD are compressed. An answer to a POST (a form sent back with its
errors) echoes what was posted beside the CSRF token, which is what a BREACH attack needs:
compressed, the length of such a page would tell an attacker, guess by guess, about the token.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

TEXT = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
        "application/json", "image/svg+xml"]


def register(app: Flask) -> None:
    """Compress `app`'s text responses with gzip for clients that send `Accept-Encoding: gzip`."""
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])  # static files are sent as streams
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config["COMPRESS_REGISTER"] = False  # registered below, for GET and HEAD only
    compress = Compress(app)

    @app.after_request
    def compress_reads(response: Response) -> Response:
        return compress.after_request(response) if request.method in ("GET", "HEAD") else response
