"""The typed events a WhatsApp webhook body turns into, and their plain-JSON form for the inbox.

Every event is a frozen dataclass with a stable `dedup_id` and `to_dict()`; `event_from_dict()` reads
one back. The parser lives in `events.py`; this module only describes what it produces.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, ClassVar

# What the chat sees in `Message.kind`; Meta's own `type` is kept in `Message.type`.
MESSAGE_KINDS = frozenset({
    "text", "reply", "media", "voice", "location", "contacts", "sticker", "reaction", "edit", "revoke",
    "number_changed", "system_other", "request_welcome", "order", "unsupported", "unknown",
})

# account_update events after which (some) messages stop going out, per Meta's account_update reference.
_ENDANGERING_ACCOUNT_EVENTS = frozenset({"ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION", "ACCOUNT_DELETED",
                                         "ACCOUNT_OFFBOARDED", "PARTNER_REMOVED"})
# Template states in which sends are refused, or soon will be (FLAGGED: paused next if quality stays low).
_ENDANGERING_TEMPLATE_EVENTS = frozenset({"REJECTED", "PAUSED", "DISABLED", "PENDING_DELETION", "DELETED",
                                          "FLAGGED", "LIMIT_EXCEEDED", "ARCHIVED"})


def fingerprint(value: Any) -> str:
    """A stable short hash of a JSON value, for events that carry no id of their own."""
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    except (ValueError, TypeError, RecursionError):
        text = repr(type(value))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Stored:
    """What every event can do: become a plain JSON dict for the inbox, and come back from one."""

    tag: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """The event as a plain JSON dict, tagged with its class."""
        return to_dict(self)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Any) -> Event:
        """Read back what `to_dict` wrote (`Malformed` if it cannot be read)."""
        return event_from_dict(data)


@dataclass(frozen=True)
class ErrorInfo:
    """One entry of Meta's `errors[]`: build decisions on `code`, Meta may drop titles later."""

    code: int | None
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class Sender:
    """Who wrote: a phone number (`wa_id`), a business-scoped user id (BSUID), or both."""

    phone: str | None
    user_id: str | None
    name: str = ""
    username: str | None = None
    parent_user_id: str | None = None

    @property
    def address(self) -> str:
        """What a reply is addressed to: the phone if Meta shared it (Meta prefers `to`), else the BSUID."""
        return self.phone or self.user_id or ""

    @property
    def is_indonesian(self) -> bool:
        """True for +62 numbers; for username-only senders the BSUID's country prefix (`ID.`) decides."""
        if self.phone:
            return self.phone.lstrip("+").startswith("62")
        return (self.user_id or "").upper().startswith("ID.")


@dataclass(frozen=True)
class Message(_Stored):
    """A message a resident sent; `text` is what to act on (caption of media, new text of an edit)."""

    id: str
    sender: Sender
    phone_number_id: str
    timestamp: str
    kind: str
    type: str = ""
    text: str = ""
    reply_id: str = ""
    context_id: str = ""
    target_id: str = ""
    old_phone: str | None = None
    new_phone: str | None = None
    old_user_id: str | None = None
    new_user_id: str | None = None
    errors: tuple[ErrorInfo, ...] = ()
    tag: ClassVar[str] = "message"

    @property
    def dedup_id(self) -> str:
        """Meta redelivers the same message with the same wamid until it gets a 200."""
        return self.id


@dataclass(frozen=True)
class Status(_Stored):
    """A delivery status of a message we sent; `ref` is the `biz_opaque_callback_data` we attached."""

    id: str
    status: str
    recipient: str | None
    phone_number_id: str
    timestamp: str = ""
    recipient_user_id: str | None = None
    ref: str = ""
    errors: tuple[ErrorInfo, ...] = ()
    pricing_category: str = ""
    tag: ClassVar[str] = "status"

    @property
    def dedup_id(self) -> str:
        """One message gets several statuses (sent, delivered, read), each delivered once."""
        return f"{self.id}:{self.status}"

    @property
    def error_codes(self) -> tuple[int, ...]:
        """The codes of a failed status, in Meta's order."""
        return tuple(e.code for e in self.errors if e.code is not None)


@dataclass(frozen=True)
class AccountEvent(_Stored):
    """An `account_update` change: restriction, violation, ban (`DISABLED_UPDATE`), and the like."""

    event: str
    account_id: str
    timestamp: str = ""
    restrictions: tuple[str, ...] = ()
    ban_state: str = ""
    violation: str = ""
    fingerprint: str = ""
    tag: ClassVar[str] = "account"

    @property
    def dedup_id(self) -> str:
        """The change has no id of its own: the hash of its content stands in."""
        return f"account_update:{self.fingerprint}"

    @property
    def endangers_sending(self) -> bool:
        """True when WhatsApp refuses (some of) our messages until staff act; a reinstatement is good news."""
        if self.event == "DISABLED_UPDATE":
            return self.ban_state != "REINSTATE"
        return self.event in _ENDANGERING_ACCOUNT_EVENTS


@dataclass(frozen=True)
class TemplateEvent(_Stored):
    """A template's review result (`message_template_status_update`) or new category."""

    field: str
    event: str
    template_id: str
    name: str
    language: str
    account_id: str
    timestamp: str = ""
    reason: str = ""
    new_category: str = ""
    previous_category: str = ""
    fingerprint: str = ""
    tag: ClassVar[str] = "template"

    @property
    def dedup_id(self) -> str:
        """The change has no id of its own: the hash of its content stands in."""
        return f"{self.field}:{self.fingerprint}"

    @property
    def endangers_sending(self) -> bool:
        """True when sends of this template fail or soon will, or now count as marketing (re-classified)."""
        if self.field == "template_category_update":
            return self.new_category.upper() == "MARKETING"
        return self.event.upper() in _ENDANGERING_TEMPLATE_EVENTS


@dataclass(frozen=True)
class ErrorEvent(_Stored):
    """Value-level `errors[]` in a `messages` change: a problem with no message attached (e.g. 130429)."""

    phone_number_id: str
    errors: tuple[ErrorInfo, ...]
    fingerprint: str = ""
    tag: ClassVar[str] = "errors"

    @property
    def dedup_id(self) -> str:
        """The change has no id of its own: the hash of its content stands in."""
        return f"errors:{self.fingerprint}"


@dataclass(frozen=True)
class OtherField(_Stored):
    """A well-formed change of a field we do not handle (phone_number_quality_update, …): log and drop."""

    field: str
    account_id: str = ""
    fingerprint: str = ""
    tag: ClassVar[str] = "other"

    @property
    def dedup_id(self) -> str:
        """The change has no id of its own: the hash of its content stands in."""
        return f"{self.field}:{self.fingerprint}"


@dataclass(frozen=True)
class Malformed(_Stored):
    """A body or a part of one that is not what Meta documents; `reason` says what was wrong."""

    reason: str
    fingerprint: str = ""
    tag: ClassVar[str] = "malformed"

    @property
    def dedup_id(self) -> str:
        """The same broken part, redelivered, is recognised as the same."""
        return f"malformed:{self.fingerprint}"


Event = Message | Status | AccountEvent | TemplateEvent | ErrorEvent | OtherField | Malformed
_CLASSES: dict[str, type] = {c.tag: c for c in (Message, Status, AccountEvent, TemplateEvent, ErrorEvent,
                                                 OtherField, Malformed)}


def to_dict(event: Event) -> dict[str, Any]:
    """The event as a plain JSON dict, tagged with its kind, for the SQLite inbox."""
    return {"event_type": event.tag, **dataclasses.asdict(event)}


def event_from_dict(data: Any) -> Event:
    """Read back what `to_dict` wrote; anything unreadable comes back as `Malformed`, never an exception."""
    try:
        cls = _CLASSES[data["event_type"]]
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        if "sender" in values:
            values["sender"] = Sender(**values["sender"])
        if "errors" in values:
            values["errors"] = tuple(ErrorInfo(**e) for e in values["errors"])
        if "restrictions" in values:
            values["restrictions"] = tuple(values["restrictions"])
        event: Event = cls(**values)
        return event
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Malformed(f"stored event unreadable: {type(exc).__name__}", fingerprint(repr(data)))




def stored_event(kind: str, data: Any) -> Event:
    """An inbox row as an event, including rows release 1 stored in its own shape (before typed events)."""
    if isinstance(data, dict) and "event_type" not in data and kind in ("message", "status"):
        try:
            if kind == "message":
                media = bool(data.get("media"))
                return Message(id=f"release1:{fingerprint(data)}", sender=Sender(phone=str(data["from"]), user_id=None,
                                                                               name=str(data.get("name", ""))),
                               phone_number_id="", timestamp=str(data.get("timestamp", "")),
                               kind="media" if media else ("reply" if data.get("reply_id") else "text"),
                               type=str(data.get("type", "")), text=str(data.get("text", "")),
                               reply_id=str(data.get("reply_id", "")))
            errors = tuple(ErrorInfo(code=e.get("code"), title=str(e.get("title", ""))) for e in data.get("errors", []))
            return Status(id=str(data["id"]), status=str(data["status"]), recipient=None, phone_number_id="",
                          timestamp=str(data.get("timestamp", "")), ref=str(data.get("ref", "")), errors=errors)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            return Malformed(f"release 1 event unreadable: {type(exc).__name__}", fingerprint(repr(data)))
    return event_from_dict(data)
