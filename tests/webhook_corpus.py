"""The WhatsApp webhook corpus in tests/fixtures/whatsapp: load bodies by name, and sign them as Meta does."""
from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "fixtures" / "whatsapp"
OUR_PHONE_NUMBER_ID = "106540352242922"
OTHER_PHONE_NUMBER_ID = "109876543210987"


def names() -> list[str]:
    """Every fixture's name (the file name without `.json`), sorted."""
    return sorted(path.stem for path in CORPUS.glob("*.json"))


def raw(name: str) -> bytes:
    """The fixture's bytes exactly as stored: what a replay test should POST and sign."""
    return (CORPUS / f"{name}.json").read_bytes()


def load(name: str) -> Any:
    """The fixture as parsed JSON."""
    return json.loads(raw(name))


def load_all() -> dict[str, Any]:
    """Every fixture, by name."""
    return {name: load(name) for name in names()}


def signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends: `sha256=` + HMAC-SHA256 hex of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(app_secret: str, body: bytes) -> dict[str, str]:
    """Headers for replaying `body` as Meta would post it."""
    return {"Content-Type": "application/json", "X-Hub-Signature-256": signature(app_secret, body)}
