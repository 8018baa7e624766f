"""Secrets a letter carries: its verification code and the signed staff link to it.

Both are HMAC-SHA256 with the office's secret key, so they can be recomputed from
the register alone on a host that lost its disk, and nobody without the key can
forge one or guess another letter's code from a ticket.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime

from ..errors import LinkError

# Crockford-like alphabet without 0/O, 1/I/L: readable aloud and when typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 14  # 31**14 ≈ 2**69: far beyond guessing, still a small QR (version 2 with the URL)


def _mac(secret: str | bytes, purpose: str, *parts: str) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    # The purpose keeps a code from ever being usable as a link signature, and vice versa.
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def verification_code(secret: str | bytes, ticket: str, letter_number: str) -> str:
    """The letter's code for `/verifikasi/<code>`: same inputs, same code; unguessable without the key."""
    value = int.from_bytes(_mac(secret, "verifikasi", ticket.strip().upper(), letter_number.strip()), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def normalize_code(text: str) -> str:
    """A code as a reader may type it from paper: case, spaces and dashes do not matter."""
    return "".join(str(text).split()).replace("-", "").upper()


def sign(secret: str | bytes, ticket: str, expires_at: datetime | int) -> str:
    """A token naming the ticket and its expiry (Unix seconds), signed; safe in a URL path."""
    expires = int(expires_at.timestamp()) if isinstance(expires_at, datetime) else int(expires_at)
    ticket = ticket.strip().upper()
    mac = _mac(secret, "tautan-surat", ticket, str(expires))[:18]
    signature = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    return f"{ticket}.{expires}.{signature}"


def verify(secret: str | bytes, token: str, now: datetime | float | None = None) -> str:
    """The ticket a valid token names; raises LinkError (unsigned, tampered, expired) otherwise."""
    parts = str(token or "").strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise LinkError("unsigned", "Tautan tidak bertanda tangan.")
    ticket, expires_text, signature = parts
    if not expires_text.isdigit():
        raise LinkError("tampered", "Tautan telah diubah.")
    expected = sign(secret, ticket, int(expires_text)).rsplit(".", 1)[1]
    # Compare in constant time so the signature cannot be found one character at a time.
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise LinkError("tampered", "Tautan telah diubah atau bukan dari kantor ini.")
    moment = time.time() if now is None else (now.timestamp() if isinstance(now, datetime) else now)
    if moment >= int(expires_text):
        raise LinkError("expired", "Tautan sudah kedaluwarsa. Minta tautan baru dari sheet.")
    return ticket.upper()
