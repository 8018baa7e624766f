"""One reader per Meta message `type`, giving the chat's `kind` and the text to act on.

As pywa and whatsapp-api-js do, the message's `type` names the object that holds its content
(`{"type": "image", "image": {...}}`); a type we do not know is `unknown`, never an error.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Fields = dict[str, Any]


def read_kind(message: dict[str, Any]) -> Fields:
    """`kind`, `text` and the kind's own fields (reply id, target message, old/new number) of one message."""
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _READERS:
        return {"kind": "unknown"}
    body = message.get(kind)
    return _READERS[kind](body if isinstance(body, dict) else {}, message)


def _text(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    return {"kind": "text", "text": _s(body.get("body"))}


def _media(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    # A caption is the resident's words: `CEK PDK-…` under a photo must work like a typed one.
    return {"kind": "media", "text": _s(body.get("caption"))}


def _audio(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    # Voice notes carry `voice: true`; a forwarded audio file is just as unreadable to us, so both are `voice`.
    return {"kind": "voice"}


def _plain(kind: str) -> Callable[[dict[str, Any], dict[str, Any]], Fields]:
    def read(body: dict[str, Any], _: dict[str, Any]) -> Fields:
        return {"kind": kind}
    return read


def _interactive(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    sub = body.get("type")
    reply = body.get(sub) if isinstance(sub, str) and sub in ("button_reply", "list_reply") else None
    if not isinstance(reply, dict):
        return {"kind": "unknown"}  # nfm_reply (a Flow), call_permission_reply, or an interactive with no body
    return {"kind": "reply", "text": _s(reply.get("title")), "reply_id": _s(reply.get("id"))}


def _button(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    # A quick-reply button on a template: `payload` is what we set, `text` is the label the resident saw.
    return {"kind": "reply", "text": _s(body.get("text")), "reply_id": _s(body.get("payload"))}


def _reaction(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    # An empty or missing emoji is the resident taking their reaction back.
    return {"kind": "reaction", "text": _s(body.get("emoji")), "target_id": _s(body.get("message_id"))}


def _edit(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    # Meta's edit webhook nests the edited message whole: text.body, or the caption of edited media.
    inner = body.get("message")
    inner_fields = read_kind(inner if isinstance(inner, dict) else {})
    text = inner_fields.get("text", "") if inner_fields["kind"] in ("text", "media") else ""
    return {"kind": "edit", "text": text, "target_id": _s(body.get("original_message_id"))}


def _revoke(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    return {"kind": "revoke", "target_id": _s(body.get("original_message_id"))}


def _system(body: dict[str, Any], message: dict[str, Any]) -> Fields:
    sub = body.get("type")
    if sub == "user_changed_number":
        # Meta's current reference names the new number `wa_id`; older pages and BSPs say `new_wa_id`.
        new = _s(body.get("wa_id")) or _s(body.get("new_wa_id"))
        # Since August 2026 the regenerated BSUID comes along: user_id is the new one, previous_user_id the old.
        return {"kind": "number_changed", "text": _s(body.get("body")), "old_phone": _s(message.get("from")) or None,
                "new_phone": new or None, "old_user_id": _s(body.get("previous_user_id")) or None,
                "new_user_id": _s(body.get("user_id")) or None}
    if sub == "user_changed_user_id":
        # A new number means a new BSUID; the message may carry no `from` at all.
        return {"kind": "number_changed", "text": _s(body.get("body")),
                "old_user_id": _s(body.get("previous_user_id")) or None,
                "new_user_id": _s(body.get("user_id")) or None}
    return {"kind": "system_other", "text": _s(body.get("body"))}


def _order(body: dict[str, Any], _: dict[str, Any]) -> Fields:
    return {"kind": "order", "text": _s(body.get("text"))}


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


_READERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Fields]] = {
    "text": _text,
    "image": _media,
    "document": _media,
    "video": _media,
    "audio": _audio,
    "sticker": _plain("sticker"),
    "location": _plain("location"),
    "contacts": _plain("contacts"),
    "interactive": _interactive,
    "button": _button,
    "reaction": _reaction,
    "edit": _edit,
    "revoke": _revoke,
    "system": _system,
    "request_welcome": _plain("request_welcome"),
    "order": _order,
    "unsupported": _plain("unsupported"),
}
