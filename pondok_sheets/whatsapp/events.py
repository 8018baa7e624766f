"""Meta's webhook envelope turned into typed events: dispatch on the change's `field`, then on the message `type`.

`parse()` never raises, whatever JSON value it is given: a part it cannot read becomes `Malformed`,
and the parts around it are still read. See docs/research/whatsapp-webhook-events.md for the shapes.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from .event_types import (
    AccountEvent,
    ErrorEvent,
    ErrorInfo,
    Event,
    Malformed,
    Message,
    OtherField,
    Sender,
    Status,
    TemplateEvent,
    fingerprint,
)
from .message_kinds import read_kind

__all__ = ["is_webhook", "parse", "parse_body"]

# Reasons that condemn the whole body: the route answers 400 rather than storing it (issue 12, item 9).
_NOT_A_WEBHOOK = frozenset({"body is not JSON", "not a whatsapp_business_account webhook", "no entry list"})


def parse_body(raw: bytes) -> list[Event]:
    """Events of a raw webhook body; a body that is not JSON is one `Malformed`."""
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError, TypeError):
        return [Malformed("body is not JSON", fingerprint(repr(raw[:4096])))]
    return parse(payload)


def is_webhook(events: list[Event]) -> bool:
    """False when the body as a whole is not a WhatsApp webhook (answer 400); True means store and answer 200."""
    return not (len(events) == 1 and isinstance(events[0], Malformed) and events[0].reason in _NOT_A_WEBHOOK)


def parse(payload: Any) -> list[Event]:
    """Every event in the envelope, in order: each entry × change × message/status/error."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return [Malformed("not a whatsapp_business_account webhook", fingerprint(payload))]
    entries = payload.get("entry")
    if not isinstance(entries, list):
        return [Malformed("no entry list", fingerprint(payload))]
    events: list[Event] = []
    for entry in entries:
        events.extend(_entry(entry))
    return events


def _entry(entry: Any) -> Iterator[Event]:
    if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
        yield Malformed("entry without a changes list", fingerprint(entry))
        return
    account_id, time = _s(entry.get("id")), _s(entry.get("time"))
    for change in entry["changes"]:
        try:
            yield from _change(change, account_id, time)
        except Exception as exc:  # noqa: BLE001 -- a last guard: one unreadable change must not lose its neighbours
            yield Malformed(f"unreadable change: {type(exc).__name__}", fingerprint(change))


def _change(change: Any, account_id: str, time: str) -> Iterator[Event]:
    if not isinstance(change, dict) or not isinstance(change.get("field"), str) \
            or not isinstance(change.get("value"), dict):
        yield Malformed("change without a field name and a value object", fingerprint(change))
        return
    field, value = change["field"], change["value"]
    stamp = fingerprint([account_id, time, field, value])
    reader = _FIELDS.get(field)
    if reader is None:
        yield OtherField(field, account_id, stamp)
    else:
        yield from reader(value, account_id, time, stamp)


def _messages(value: dict[str, Any], account_id: str, time: str, stamp: str) -> Iterator[Event]:
    pnid = _s(_obj(value.get("metadata")).get("phone_number_id"))
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    found = False
    for key, reader in (("messages", _message), ("statuses", _status)):
        items = value.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            yield Malformed(f"{key} is not a list", fingerprint(items))
            continue
        for item in items:
            found = True
            yield reader(item, pnid, contacts)
    errors = _errors(value.get("errors"))
    if errors:
        found = True
        yield ErrorEvent(pnid, errors, stamp)
    if not found:
        yield Malformed("messages change with no messages, statuses or errors", stamp)


def _message(message: Any, pnid: str, contacts: list[dict[str, Any]]) -> Event:
    if not isinstance(message, dict) or not _s(message.get("id")):
        return Malformed("message without an id", fingerprint(message))
    kind_fields = read_kind(message)
    sender = _sender(message, contacts, kind_fields)
    if sender.phone is None and sender.user_id is None:
        return Malformed("message with neither a phone number nor a user id", fingerprint(message))
    context = _obj(message.get("context"))
    return Message(id=_s(message["id"]), sender=sender, phone_number_id=pnid,
                   timestamp=_s(message.get("timestamp")), type=_s(message.get("type")),
                   context_id=_s(context.get("id")), errors=_errors(message.get("errors")), **kind_fields)


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]], kind_fields: dict[str, Any]) -> Sender:
    """Phone from `from`, BSUID from `from_user_id`; name and username from the matching `contacts[]` entry.

    A user with a username may come with no `from` at all (Meta's business-scoped user id docs).
    """
    phone, user_id = _s(message.get("from")) or None, _s(message.get("from_user_id")) or None
    if phone is None and user_id is None and kind_fields.get("old_user_id"):
        user_id = kind_fields["old_user_id"]  # user_changed_user_id carries its user only in `system`
    contact = _matching_contact(contacts, phone, user_id)
    profile = _obj(contact.get("profile"))
    return Sender(phone=phone or _s(contact.get("wa_id")) or None,
                  user_id=user_id or _s(contact.get("user_id")) or None,
                  name=_s(profile.get("name")), username=_s(profile.get("username")) or None,
                  parent_user_id=_s(message.get("from_parent_user_id") or contact.get("parent_user_id")) or None)


def _matching_contact(contacts: list[dict[str, Any]], phone: str | None, user_id: str | None) -> dict[str, Any]:
    for contact in contacts:
        if (phone and _s(contact.get("wa_id")) == phone) or (user_id and _s(contact.get("user_id")) == user_id):
            return contact
    # A batch holds one contact per user; a lone contact with no key to match is that message's user.
    if len(contacts) == 1 and not _s(contacts[0].get("wa_id")) and not _s(contacts[0].get("user_id")):
        return contacts[0]
    return {}


def _status(status: Any, pnid: str, contacts: list[dict[str, Any]]) -> Event:
    if not isinstance(status, dict) or not _s(status.get("id")) or not _s(status.get("status")):
        return Malformed("status without an id or a status", fingerprint(status))
    recipient = _s(status.get("recipient_id")) or None
    user_id = _s(status.get("recipient_user_id")) or None
    if user_id is None and recipient:
        user_id = _s(_matching_contact(contacts, recipient, None).get("user_id")) or None
    return Status(id=_s(status["id"]), status=_s(status["status"]), recipient=recipient, phone_number_id=pnid,
                  timestamp=_s(status.get("timestamp")), recipient_user_id=user_id,
                  ref=_s(status.get("biz_opaque_callback_data")), errors=_errors(status.get("errors")),
                  pricing_category=_s(_obj(status.get("pricing")).get("category")))


def _account(value: dict[str, Any], account_id: str, time: str, stamp: str) -> Iterator[Event]:
    event = _s(value.get("event"))
    if not event:
        yield Malformed("account_update without an event", stamp)
        return
    restrictions = tuple(_s(_obj(r).get("restriction_type")) for r in _list(value.get("restriction_info")))
    yield AccountEvent(event=event, account_id=account_id, timestamp=time,
                       restrictions=tuple(r for r in restrictions if r),
                       ban_state=_s(_obj(value.get("ban_info")).get("waba_ban_state")),
                       violation=_s(_obj(value.get("violation_info")).get("violation_type")), fingerprint=stamp)


def _template_status(value: dict[str, Any], account_id: str, time: str, stamp: str) -> Iterator[Event]:
    event = _s(value.get("event"))
    if not event:
        yield Malformed("message_template_status_update without an event", stamp)
        return
    # A pause explains itself in other_info.title (FIRST_PAUSE, SECOND_PAUSE), with `reason` null.
    reason = _s(value.get("reason")) or _s(_obj(value.get("other_info")).get("title"))
    yield TemplateEvent(field="message_template_status_update", event=event, account_id=account_id,
                        timestamp=time, reason="" if reason == "NONE" else reason, fingerprint=stamp,
                        **_template_names(value))


def _template_category(value: dict[str, Any], account_id: str, time: str, stamp: str) -> Iterator[Event]:
    new = _s(value.get("new_category"))
    if not new:
        yield Malformed("template_category_update without a new_category", stamp)
        return
    yield TemplateEvent(field="template_category_update", event="CATEGORY_UPDATE", account_id=account_id,
                        timestamp=time, new_category=new, fingerprint=stamp,
                        previous_category=_s(value.get("previous_category") or value.get("correct_category")),
                        **_template_names(value))


def _template_names(value: dict[str, Any]) -> dict[str, str]:
    return {"template_id": _s(value.get("message_template_id")), "name": _s(value.get("message_template_name")),
            "language": _s(value.get("message_template_language"))}


def _errors(raw: Any) -> tuple[ErrorInfo, ...]:
    """Meta's `errors[]`: code, title, message, error_data.details (titles may go; codes stay)."""
    found = []
    for error in _list(raw):
        if isinstance(error, dict):
            code = error.get("code")
            found.append(ErrorInfo(code=code if isinstance(code, int) and not isinstance(code, bool) else None,
                                   title=_s(error.get("title")), message=_s(error.get("message")),
                                   details=_s(_obj(error.get("error_data")).get("details"))))
    return tuple(found)


def _s(value: Any) -> str:
    """A scalar as text; ids come as strings, but some (template ids, entry time) come as numbers."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_FIELDS: dict[str, Callable[[dict[str, Any], str, str, str], Iterator[Event]]] = {
    "messages": _messages,
    "account_update": _account,
    "message_template_status_update": _template_status,
    "template_category_update": _template_category,
}
