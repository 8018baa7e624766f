"""Meta's webhook: signature check on the raw body, and the envelope turned into plain events."""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator
from typing import Any

from ..errors import MalformedWebhook

log = logging.getLogger(__name__)


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """True if `header` is `sha256=` + HMAC-SHA256 of the raw body with the App Secret."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def events(payload: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(event id, "message" | "status", data) for every update in the envelope, in any batch size.

    The id de-duplicates: Meta redelivers the same update (same message id) until it gets 200.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account" \
            or not isinstance(payload.get("entry"), list):
        raise MalformedWebhook("not a whatsapp_business_account webhook")
    for entry in payload["entry"]:
        for change in (entry or {}).get("changes", []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                log.info("webhook change ignored: field %r", change.get("field") if isinstance(change, dict) else None)
                continue
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "")
                     for c in value.get("contacts", []) if isinstance(c, dict)}
            for message in value.get("messages", []):
                if isinstance(message, dict) and message.get("id") and message.get("from"):
                    yield message["id"], "message", {**_message(message), "name": names.get(message["from"], "")}
            for status in value.get("statuses", []):
                if isinstance(status, dict) and status.get("id") and status.get("status"):
                    yield f"{status['id']}:{status['status']}", "status", _status(status)


def _message(message: dict[str, Any]) -> dict[str, Any]:
    kind = message.get("type", "")
    text, reply_id = "", ""
    if kind == "text":
        text = str((message.get("text") or {}).get("body", ""))
    elif kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        text, reply_id = str(reply.get("title", "")), str(reply.get("id", ""))
    elif kind == "button":  # a quick-reply button on a template
        button = message.get("button") or {}
        text, reply_id = str(button.get("text", "")), str(button.get("payload", ""))
    return {"from": str(message["from"]), "timestamp": str(message.get("timestamp", "")), "type": kind,
            "text": text, "reply_id": reply_id,
            "media": kind in {"image", "document", "video", "audio", "sticker", "location"}}


def _status(status: dict[str, Any]) -> dict[str, Any]:
    errors = [e for e in status.get("errors", []) if isinstance(e, dict)]
    return {"id": str(status["id"]), "status": str(status["status"]), "timestamp": str(status.get("timestamp", "")),
            "errors": [{"code": e.get("code"), "title": str(e.get("title", ""))} for e in errors],
            "ref": str(status.get("biz_opaque_callback_data", ""))}
