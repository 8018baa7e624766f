"""Survey answer links: a personal, unguessable token per request, recomputable from the secret alone.

The token carries the ticket's code and an HMAC over (office prefix, ticket), so it can be
checked without any local state (a free-tier redeploy loses it) and without a list of
candidates; a token made with another office's secret or prefix, or altered, is refused.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from .tickets import ALPHABET, CODE_LENGTH

_MAC_BYTES = 12  # 96 bits: far beyond guessing through a rate-limited page
_MAC_CHARS = 16  # base64url of 12 bytes, no padding
_TOKEN = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}[A-Za-z0-9_-]{{{_MAC_CHARS}}}")


def _mac(secret: str, purpose: str, ticket: str) -> bytes:
    # One key, separate purposes: a ticket hash stored in the sheet must never be a valid token.
    message = f"pondok-sheets|{purpose}|{ticket.upper()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _split(ticket: str) -> tuple[str, str]:
    prefix, _, code = ticket.upper().rpartition("-")
    return prefix, code


def token_for(secret: str, ticket: str) -> str:
    """The URL-safe answer token of `ticket` ('PDK-7K3QM9X' -> '7K3QM9X' + 16 signature characters)."""
    if not secret:
        raise ValueError("secret key is empty")
    prefix, code = _split(ticket)
    signature = base64.urlsafe_b64encode(_mac(secret, "survei", f"{prefix}-{code}")[:_MAC_BYTES]).decode()
    return code + signature.rstrip("=")


def ticket_from_token(secret: str, prefix: str, token: str) -> str | None:
    """The ticket a token was made for by this office, or None for a forged, altered or foreign token."""
    token = str(token or "").strip()
    if not secret or not _TOKEN.fullmatch(token):
        return None
    ticket = f"{prefix.upper()}-{token[:CODE_LENGTH]}"
    # compare_digest: a page answering 404 faster for a wrong first byte would leak the signature.
    return ticket if hmac.compare_digest(token_for(secret, ticket), token) else None


def ticket_hash(secret: str, ticket: str) -> str:
    """What the Survei tab stores instead of the ticket: 16 hex characters, the same for the same ticket.

    Keyed, so nobody holding the sheet can test which ticket a row belongs to; stable, so one
    answer per ticket is enforced from the sheet itself after local state is lost.
    """
    prefix, code = _split(ticket)
    return _mac(secret, "survei-hash", f"{prefix}-{code}").hex()[:16]
