"""A faithful fake of the WhatsApp Cloud API (Meta Graph API) for the product's own HTTP client.

The fake is served over real HTTP on 127.0.0.1 (a random free port) from a
background thread, so the product's thin ``requests``-based client talks to it
exactly as it would talk to ``https://graph.facebook.com/vNN.N``: point
``PONDOK_WA_API_URL`` (``Settings.wa_api_url``) at :attr:`FakeGraphAPI.base_url`.

The research behind every behaviour (with sources) is in
``docs/research/whatsapp-cloud-api.md``. What is modelled:

* ``POST /{version}/{phone-number-id}/messages`` for ``type: "text"`` and
  ``type: "template"`` (other message types are accepted and recorded without
  content validation), answering Meta's success JSON
  ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}``
  (templates also carry ``"message_status": "accepted"``).
* Any ``vNN.N`` version segment (or none, as Graph allows) is accepted.
* Authentication: ``Authorization: Bearer <token>`` (or the ``access_token``
  query parameter, which Graph also accepts). A missing or wrong token is
  HTTP 401, ``OAuthException`` code 190.
* An unknown phone-number id is HTTP 400, ``GraphMethodException`` code 100,
  ``error_subcode`` 33 ("Unsupported post request. Object with ID ... does not
  exist ...").
* Request validation with Meta's ``(#100)`` errors: ``messaging_product`` must be
  ``"whatsapp"``; ``to`` must be a phone number (digits, optional leading ``+``;
  a ``00`` prefix or a local ``0…`` number is refused as Meta refuses ``0033…``);
  text body required and at most 4,096 characters; template needs ``name`` and
  ``language.code``; body parameters may not contain a newline, a tab or more
  than four consecutive spaces (Meta: "Param text cannot have new-line/tab
  characters or more than 4 consecutive spaces").
* Templates must be registered with :meth:`FakeGraphAPI.add_template` (as they
  must be approved in WhatsApp Manager): an unknown name or language is 132001,
  a wrong number of body parameters 132000, a non-text parameter 132012.
* Meta's error JSON for every failure:
  ``{"error": {"message", "type", "code", "error_data": {"messaging_product",
  "details"}, "fbtrace_id"}}`` with the HTTP status Meta uses for that code
  (see :data:`ERRORS`). ``error_subcode`` is only sent where Graph still sends
  it (Meta: deprecated, not returned for WhatsApp errors since v16.0).

Test-side controls: ``sent`` (accepted sends), ``requests`` (everything, with
the status answered), ``add_template``, ``reset``, fault injection
(``fail_next``, ``fail_for``, ``hang_next``, ``hold_next``) and ``errors`` (exceptions raised
inside the fake; a test can assert it stays empty). Webhook helpers play Meta
calling the product: ``sign``, ``inbound_text``, ``button_reply``,
``status_update``, ``envelope``, ``webhook_request``, ``verification_query``.

Not modelled (documented deviations): media upload/download, marking messages
read, throughput/pair-rate limits enforced by counting (inject them with
``fail_next``/``fail_for``), the 24-hour customer-service window as a clock
(inject 131047 with ``fail_for``), form-encoded request bodies, and webhook
delivery by the fake itself (the product's tests post the payloads with their
own client, see :meth:`FakeGraphAPI.webhook_request`).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from werkzeug.wrappers import Request, Response

from .server import LocalServer

__all__ = [
    "ERRORS",
    "ErrorSpec",
    "FakeGraphAPI",
    "GraphError",
    "RequestRecord",
    "SentMessage",
    "GRAPH_ORIGIN",
    "LATEST_VERSION",
    "MAX_TEXT_BODY",
    "MAX_WEBHOOK_UPDATES",
]

#: Where the real API lives; the product's default is ``GRAPH_ORIGIN + "/v21.0"``.
GRAPH_ORIGIN = "https://graph.facebook.com"
#: Newest Graph API version as of late 2026 (v26.0, introduced 29 July 2026;
#: v21.0 is available until 21 January 2027). The fake accepts any version.
LATEST_VERSION = "v26.0"
#: Meta: text message body "Maximum 4096 characters".
MAX_TEXT_BODY = 4096
#: Meta's Graph webhooks batch at most 1,000 updates per POST.
MAX_WEBHOOK_UPDATES = 1000

_DEFAULT_VERSION_SEGMENT = "v21.0"


# ---------------------------------------------------------------------------
# 1. Errors in Meta's shape
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorSpec:
    """One row of Meta's WhatsApp error-code table.

    ``http_status`` is the status Meta answers with for the code (Meta advises
    clients to branch on ``code``, not on the HTTP status). ``retryable`` is the
    advice in the research note: True means "retry later with backoff", False
    means "permanent: fix something (token, template, number, account) or
    fall back (e.g. to a template), do not resend the same request".
    """

    code: int
    http_status: int
    title: str
    details: str
    retryable: bool
    type: str = "OAuthException"


def _spec(code: int, status: int, title: str, details: str, retryable: bool, type_: str = "OAuthException") -> ErrorSpec:
    return ErrorSpec(code, status, title, details, retryable, type_)


#: Meta's codes for sends, with the HTTP status Meta sends them with.
ERRORS: dict[int, ErrorSpec] = {
    s.code: s
    for s in (
        # Authorization: get a new token; retrying the same request cannot help.
        _spec(0, 401, "AuthException", "We were unable to authenticate the app user.", False),
        _spec(190, 401, "Access token has expired", "Invalid OAuth access token - Cannot parse access token", False),
        _spec(10, 403, "Permission denied", "Permission is either not granted or has been removed.", False),
        # Throttling: retry later with backoff.
        _spec(4, 400, "Application request limit reached", "The app has reached its API call rate limit.", True),
        _spec(80007, 400, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit.", True),
        _spec(130429, 400, "Rate limit hit", "Cloud API message throughput has been reached.", True),
        _spec(
            131048,
            400,
            "Spam rate limit hit",
            "Message failed to send because there are restrictions on how many messages can be sent from this "
            "phone number. This may be because too many previous messages were blocked or flagged as spam.",
            True,
        ),
        _spec(
            131056,
            400,
            "(Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the "
            "same phone number in a short period of time.",
            True,
        ),
        # Integrity: the account is restricted; stop and alert a person.
        _spec(
            368,
            403,
            "Temporarily blocked for policies violations",
            "The WhatsApp Business Account associated with the app has been restricted or disabled for "
            "violating a platform policy.",
            False,
        ),
        _spec(131031, 403, "Account has been locked", "The WhatsApp Business Account has been locked.", False),
        # Generic / request errors.
        _spec(1, 400, "An unknown error occurred", "Invalid request or possible server error.", True),
        _spec(2, 503, "Service temporarily unavailable", "Temporary due to downtime or due to being overloaded.", True),
        _spec(100, 400, "Invalid parameter", "Invalid parameter", False),
        _spec(131000, 500, "Something went wrong", "Message failed to send due to an unknown error.", True),
        _spec(131005, 403, "Access denied", "Permission is either not granted or has been removed.", False),
        _spec(131008, 400, "Required parameter is missing", "The request is missing a required parameter.", False),
        _spec(131009, 400, "Parameter value is not valid", "One or more parameter values are invalid.", False),
        _spec(131016, 503, "Service unavailable", "A service is temporarily unavailable.", True),
        _spec(131021, 400, "Recipient cannot be sender", "Sender and recipient phone number is the same.", False),
        _spec(
            131026,
            400,
            "Message undeliverable",
            "Message Undeliverable.",
            False,
        ),
        _spec(
            131030,
            400,
            "Recipient phone number not in allowed list",
            "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
            False,
        ),
        _spec(
            131042,
            400,
            "Business eligibility payment issue",
            "Message failed to send because there were one or more errors related to your payment method.",
            False,
        ),
        _spec(
            131047,
            400,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to "
            "this number.",
            False,
        ),
        _spec(
            131049,
            400,
            "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
            True,
        ),
        _spec(131051, 400, "Unsupported message type", "Message type is not currently supported.", False),
        _spec(131062, 400, "Business-scoped User ID recipients are not supported for this message",
              "Business-scoped User ID recipients are not supported for this message.", False),
        # Templates: fix the template or its parameters.
        _spec(
            132000,
            400,
            "Number of parameters does not match the expected number of params",
            "The number of variable parameter values included in the request did not match the number of "
            "variable parameters defined in the template.",
            False,
        ),
        _spec(
            132001,
            404,
            "Template name does not exist in the translation",
            "The template does not exist in the specified language or the template has not been approved.",
            False,
        ),
        _spec(132005, 400, "Translated text too long", "Translated text is too long.", False),
        _spec(
            132012,
            400,
            "Parameter format does not match format in the created template",
            "Variable parameter values formatted incorrectly.",
            False,
        ),
        _spec(132015, 400, "Template is paused", "Template is paused due to low quality.", False),
        _spec(132016, 400, "Template is disabled", "Template has been paused too many times and is disabled.", False),
    )
}


def _fbtrace_id() -> str:
    """An id shaped like Graph's ``fbtrace_id`` (e.g. "A71GMk0x3Z8ngpI1HNsz6aH")."""
    return "A" + secrets.token_urlsafe(16)[:22]


class GraphError(Exception):
    """A failure rendered as Graph's error JSON.

    WhatsApp errors look like (observed, e.g. heyoo#94 for 131030)::

        {"error": {"message": "(#131030) Recipient phone number not in allowed list",
                   "type": "OAuthException", "code": 131030,
                   "error_data": {"messaging_product": "whatsapp", "details": "..."},
                   "fbtrace_id": "A..."}}

    Graph-level errors (190, unknown object) have no ``error_data``.
    """

    def __init__(
        self,
        code: int,
        http_status: int | None = None,
        message: str | None = None,
        *,
        details: str | None = None,
        subcode: int | None = None,
        type: str | None = None,  # noqa: A002 - Graph's field name
        whatsapp: bool = True,
    ) -> None:
        spec = ERRORS.get(code)
        self.code = code
        self.http_status = http_status or (spec.http_status if spec else 400)
        if message is None:
            title = spec.title if spec else "Unknown error"
            message = f"(#{code}) {title}"
        self.message = message
        self.details = details if details is not None else (spec.details if spec else message)
        self.subcode = subcode
        self.type = type or (spec.type if spec else "OAuthException")
        self.whatsapp = whatsapp
        self.fbtrace_id = _fbtrace_id()
        super().__init__(f"[{self.http_status} #{code}] {message}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.whatsapp:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = self.fbtrace_id
        return {"error": error}

    def headers(self) -> dict[str, str]:
        # Graph repeats the error in WWW-Authenticate on failures (seen in
        # botpress/messaging#676: 'OAuth "Facebook Platform" "invalid_request" "(#100) Invalid parameter"').
        kind = "invalid_token" if self.http_status == 401 else ("invalid_request" if self.http_status < 500 else "unknown_error")
        quoted = self.message.replace('"', "'")
        return {"WWW-Authenticate": f'OAuth "Facebook Platform" "{kind}" "{quoted}"'}


def _invalid(details: str, message: str = "(#100) Invalid parameter") -> GraphError:
    return GraphError(100, 400, message, details=details)


def _required(param: str) -> GraphError:
    # Graph's wording for a missing parameter, e.g. "(#100) The parameter messaging_product is required."
    return GraphError(100, 400, f"(#100) The parameter {param} is required.", details=f"The parameter {param} is required.")


def _auth_error() -> GraphError:
    # heyoo#13: {'message': 'Invalid OAuth access token - Cannot parse access token', 'type': 'OAuthException', 'code': 190}
    return GraphError(
        190, 401, "Invalid OAuth access token - Cannot parse access token", type="OAuthException", whatsapp=False
    )


def _unknown_object(object_id: str, method: str) -> GraphError:
    # voiceflow-community/example-integration-whatsapp#5 and ChatbotX#476 (GraphMethodException 100/33).
    return GraphError(
        100,
        400,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type="GraphMethodException",
        whatsapp=False,
    )


# ---------------------------------------------------------------------------
# 2. Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMessage:
    """One accepted ``POST /{phone-number-id}/messages``."""

    message_id: str  # "wamid.…", unique
    to: str  # exactly as the client sent it (Meta echoes it as contacts[0].input)
    wa_id: str  # digits only (contacts[0].wa_id)
    type: str  # "text", "template", …
    text: str | None  # text.body for type "text"
    preview_url: bool | None
    template: str | None  # template.name for type "template"
    language: str | None  # template.language.code
    parameters: list[str]  # body parameter texts, in order
    json: dict[str, Any]  # the decoded request body
    phone_number_id: str
    at: float = field(default_factory=time.time)
    #: set by fail_for(..., asynchronous=True): Meta accepted the send but will
    #: report it ``failed`` with this code in a status webhook (build it with
    #: ``FakeGraphAPI.status_update(m.message_id, "failed", m.wa_id, error_code=m.async_error)``).
    async_error: int | None = None


@dataclass
class RequestRecord:
    """One request the fake received, whatever its outcome."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any  # decoded JSON body, or None
    version: str | None  # "v21.0", or None when the path has no version
    phone_number_id: str | None
    status: int | None = None  # HTTP status answered (None while in flight)
    error_code: int | None = None  # Meta error code answered, if any
    message_id: str | None = None  # wamid of an accepted send
    at: float = field(default_factory=time.monotonic)


@dataclass
class _FailRule:
    remaining: int
    error: Callable[[], GraphError]


@dataclass
class _HangRule:
    remaining: int
    seconds: float
    after: bool


@dataclass
class Hold:
    """A send kept waiting inside the fake: `reached` is set when it arrives, `release` lets it go on."""

    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class _RecipientRule:
    code: int
    asynchronous: bool
    http_status: int | None



def _json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None, version: str | None = None) -> Response:
    merged = {"facebook-api-version": version or _DEFAULT_VERSION_SEGMENT, "x-fb-trace-id": _fbtrace_id()[:11]}
    merged.update(headers or {})
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=merged, content_type="application/json; charset=UTF-8")


def _new_wamid(wa_id: str) -> str:
    """A message id shaped like Meta's ("wamid." + base64 of a protobuf-ish blob)."""
    blob = bytes([0x15]) + wa_id.encode("ascii")[-15:] + bytes([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]) + secrets.token_bytes(18)
    return "wamid." + base64.b64encode(blob).decode("ascii")


_PATH = re.compile(r"^/(?:(v\d+\.\d+)/)?([^/]+)/messages/?$")
_VERSIONED = re.compile(r"^/(v\d+\.\d+)(/.*)?$")
_NODE = re.compile(r"^/(?:(v\d+\.\d+)/)?([^/]+)(?:/([^/]+))?/?$")
# E.164: 1-9 first (so "0812…" and "0033…" are refused, as Meta refuses "0033…"
# with (#100) Invalid parameter: Whatsapp-Business-Cloud-Api-Net#31), 8-15 digits.
_PHONE = re.compile(r"^\+?[1-9]\d{7,14}$")
# A business-scoped user id: ISO country code, a period (optionally ENT. for a parent id), up to 128 alphanumerics.
_USER_ID = re.compile(r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")
# Meta: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces".
_BAD_PARAM_TEXT = re.compile(r"[\n\t]| {5,}")
_KNOWN_TYPES = frozenset(
    {"text", "template", "image", "audio", "document", "video", "sticker", "location", "contacts", "interactive", "reaction"}
)


def _digits(phone: str) -> str:
    return phone[1:] if phone.startswith("+") else phone


# ---------------------------------------------------------------------------
# 3. The fake
# ---------------------------------------------------------------------------


class FakeGraphAPI(LocalServer):
    """Fake WhatsApp Cloud API on 127.0.0.1.

    Usage::

        with FakeGraphAPI() as wa:
            wa.add_template("status_permohonan", "id", 5)
            settings = Settings(..., wa_api_url=wa.base_url, wa_token=wa.token,
                                wa_phone_number_id=wa.phone_number_id, wa_app_secret=wa.app_secret)
            ...
            assert [m.template for m in wa.sent] == ["status_permohonan"]
    """

    thread_name = "fake-graph-api"

    def __init__(
        self,
        token: str = "test-token",
        phone_number_id: str = "1234567890",
        app_secret: str = "test-app-secret",
        *,
        display_phone_number: str = "6281100000000",
        waba_id: str = "102290129340398",
    ) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self.sent: list[SentMessage] = []
        self.requests: list[RequestRecord] = []
        #: exceptions raised inside the fake (the request was answered 500)
        self.errors: list[BaseException] = []
        self._templates: dict[tuple[str, str], int] = {}
        self._fail_rules: list[_FailRule] = []
        self._hang_rules: list[_HangRule] = []
        self._holds: list[Hold] = []
        self._recipient_rules: dict[str, _RecipientRule] = {}
        #: False: sends addressed by `recipient` (a user id) are refused with 131062, as where Meta has not
        #: enabled them yet (docs/research/whatsapp-webhook-events.md §4)
        self.accepts_user_ids = True

    # -- lifecycle ---------------------------------------------------------------
    @property
    def origin(self) -> str:
        return self._origin()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v21.0`` (replaces ``https://graph.facebook.com/v21.0``;
        any ``vNN.N`` segment is accepted)."""
        return f"{self.origin}/{_DEFAULT_VERSION_SEGMENT}"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{self.phone_number_id}/messages"

    # -- configuration -------------------------------------------------------------
    def add_template(self, name: str, language: str, param_count: int) -> None:
        """Register an approved template: ``name`` in ``language`` (e.g. "id")
        with ``param_count`` body placeholders ({{1}}…{{n}}). Sends of an
        unregistered name/language fail with 132001, as with Meta."""
        with self._lock:
            self._templates[(name, language)] = param_count

    def reset(self) -> None:
        """Clear ``sent``, ``requests``, ``errors`` and every fault rule
        (fail_next, fail_for, hang_next, hold_next). Registered templates are kept."""
        with self._lock:
            self.sent.clear()
            self.requests.clear()
            self.errors.clear()
            self._fail_rules.clear()
            self._hang_rules.clear()
            self._holds.clear()
            self._recipient_rules.clear()

    # -- fault injection -------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        code: int = 131000,
        http_status: int | None = None,
        message: str | None = None,
        subcode: int | None = None,
        *,
        details: str | None = None,
    ) -> None:
        """The next ``n`` authenticated sends to the known phone-number id fail
        with Meta's error JSON for ``code`` (HTTP status from :data:`ERRORS`
        unless ``http_status`` is given: 190 → 401, 131000 → 500, 131016 → 503,
        130429/131056/131047/131026 → 400, 368 → 403, 132001 → 404). Nothing is
        sent. Checked before the body is validated."""

        def make() -> GraphError:
            whatsapp = code not in (0, 190)
            return GraphError(code, http_status, message, details=details, subcode=subcode, whatsapp=whatsapp)

        with self._lock:
            self._fail_rules.append(_FailRule(n, make))

    def fail_for(self, to: str, code: int, *, asynchronous: bool = False, http_status: int | None = None) -> None:
        """Every valid send to ``to`` (digits; a leading + is ignored) fails with
        ``code`` until :meth:`reset` or :meth:`clear_fail_for`.

        131047 (re-engagement: the 24-hour customer-service window is closed)
        applies only to free-form messages: templates to that number succeed,
        as with Meta. ``asynchronous=True`` models Meta accepting the send
        (HTTP 200, a wamid) and reporting ``failed`` later in a status webhook —
        how 131026 and 131047 usually surface; the code is kept in
        ``SentMessage.async_error``."""
        with self._lock:
            self._recipient_rules[_digits(to)] = _RecipientRule(code, asynchronous, http_status)

    def clear_fail_for(self, to: str) -> None:
        with self._lock:
            self._recipient_rules.pop(_digits(to), None)

    def hang_next(self, n: int = 1, seconds: float = 3600, *, after: bool = False) -> None:
        """The next ``n`` sends sleep ``seconds`` in their server thread before
        answering (other requests are served meanwhile); stop() ends the sleep.

        By default the request is handled when the sleep ends (a client that
        timed out never learns of it, and nothing is sent if stop() ended the
        sleep). With ``after=True`` it is handled first and only the answer is
        delayed: the message IS sent although the client timed out — the
        case that tempts a naive client to send it twice."""
        with self._lock:
            self._hang_rules.append(_HangRule(n, seconds, after))

    def hold_next(self) -> Hold:
        """The next send waits in its server thread, before it is handled, until the test sets
        `hold.release` (or stop()); `hold.reached` tells the test the client is now mid-send.
        Unlike hang_next, the test chooses the exact moment the send goes on."""
        hold = Hold()
        with self._lock:
            self._holds.append(hold)
        return hold

    # -- webhook helpers (the fake plays Meta calling the product) ---------------------------
    def sign(self, body: bytes) -> str:
        """``X-Hub-Signature-256`` value Meta sends: "sha256=" + hex HMAC-SHA256
        of the raw request body keyed with the app secret."""
        return sign_body(self.app_secret, body)

    def webhook_request(self, payload: Mapping[str, Any] | bytes, *, signed: bool = True) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers of Meta's webhook POST for ``payload``, to
        post with any client (Flask test client or requests)::

            body, headers = wa.webhook_request(wa.inbound_text("6281234567801", "halo"))
            client.post("/webhook/whatsapp", data=body, headers=headers)
        """
        body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if signed:
            headers["X-Hub-Signature-256"] = self.sign(body)
        return body, headers

    @staticmethod
    def verification_query(verify_token: str, challenge: str | None = None) -> dict[str, str]:
        """The query string of Meta's webhook verification GET; the endpoint
        must answer 200 with exactly ``hub.challenge`` as the body when
        ``hub.verify_token`` matches (and refuse otherwise, e.g. 403)."""
        return {
            "hub.mode": "subscribe",
            "hub.challenge": challenge if challenge is not None else str(secrets.randbelow(10**10)),
            "hub.verify_token": verify_token,
        }

    @staticmethod
    def inbound_text(
        from_: str,
        text: str,
        message_id: str | None = None,
        name: str = "Warga",
        timestamp: int | None = None,
        phone_number_id: str = "1234567890",
        *,
        display_phone_number: str = "6281100000000",
        waba_id: str = "102290129340398",
    ) -> dict[str, Any]:
        """A full ``messages`` webhook envelope for a text a resident sent.

        Shape (Meta's messages webhook reference): ``value.contacts[{profile{name},
        wa_id}]``, ``value.messages[{from, id, timestamp, type: "text", text{body}}]``;
        ``timestamp`` is a string of Unix seconds."""
        wa_id = _digits(from_)
        value = _value(phone_number_id, display_phone_number)
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = [
            {
                "from": wa_id,
                "id": message_id or _new_wamid(wa_id),
                "timestamp": str(int(timestamp if timestamp is not None else time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ]
        return _wrap([value], waba_id)

    @staticmethod
    def button_reply(
        from_: str,
        button_id: str,
        title: str,
        context_message_id: str,
        *,
        message_id: str | None = None,
        name: str = "Warga",
        timestamp: int | None = None,
        phone_number_id: str = "1234567890",
        display_phone_number: str = "6281100000000",
        waba_id: str = "102290129340398",
    ) -> dict[str, Any]:
        """A resident tapping a reply button of an interactive message:
        ``type: "interactive"``, ``interactive{type: "button_reply",
        button_reply{id, title}}``, ``context{from, id}`` (the message replied to)."""
        wa_id = _digits(from_)
        value = _value(phone_number_id, display_phone_number)
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = [
            {
                "context": {"from": display_phone_number, "id": context_message_id},
                "from": wa_id,
                "id": message_id or _new_wamid(wa_id),
                "timestamp": str(int(timestamp if timestamp is not None else time.time())),
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
            }
        ]
        return _wrap([value], waba_id)

    @staticmethod
    def list_reply(from_: str, row_id: str, title: str, context_message_id: str, *,
                   message_id: str | None = None, timestamp: int | None = None) -> dict[str, Any]:
        """A resident choosing a row of an interactive list: ``interactive{type: "list_reply",
        list_reply{id, title, description?}}``."""
        payload = FakeGraphAPI.button_reply(from_, row_id, title, context_message_id, message_id=message_id,
                                            timestamp=timestamp)
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message["interactive"] = {"type": "list_reply", "list_reply": {"id": row_id, "title": title}}
        return payload

    @staticmethod
    def inbound_media(from_: str, kind: str = "image", *, message_id: str | None = None,
                      timestamp: int | None = None) -> dict[str, Any]:
        """A photo (or document) a resident sent: ``type: "image", image{id, mime_type, sha256}``."""
        payload = FakeGraphAPI.inbound_text(from_, "", message_id=message_id, timestamp=timestamp)
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"] = kind
        message[kind] = {"id": "1234567890123456", "mime_type": "image/jpeg", "sha256": "0" * 64}
        return payload

    @staticmethod
    def status_update(
        message_id: str,
        status: str,
        recipient: str,
        error_code: int | None = None,
        timestamp: int | None = None,
        *,
        phone_number_id: str = "1234567890",
        display_phone_number: str = "6281100000000",
        waba_id: str = "102290129340398",
        category: str = "utility",
    ) -> dict[str, Any]:
        """A full ``messages`` webhook envelope with one status of a message the
        business sent: ``value.statuses[{id, status, timestamp, recipient_id,
        conversation?, pricing?, errors?}]``.

        ``status`` is sent | delivered | read | failed. ``failed`` (or any
        status with ``error_code``) carries ``errors[{code, title, message,
        error_data{details}, href}]``; sent/delivered/read carry
        ``conversation`` and ``pricing`` like Meta's examples."""
        if status not in ("sent", "delivered", "read", "failed"):
            raise ValueError(f"unknown status {status!r}")
        if status == "failed" and error_code is None:
            error_code = 131026
        entry: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(timestamp if timestamp is not None else time.time())),
            "recipient_id": _digits(recipient),
        }
        if status != "failed":
            entry["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": category}}
            if status == "sent":
                entry["conversation"]["expiration_timestamp"] = str(int(time.time()) + 86400)
            entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": category}
        if error_code is not None:
            spec = ERRORS.get(error_code)
            title = spec.title if spec else "Unknown error"
            entry["errors"] = [
                {
                    "code": error_code,
                    "title": title,
                    "message": title,
                    "error_data": {"details": spec.details if spec else title},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        value = _value(phone_number_id, display_phone_number)
        value["statuses"] = [entry]
        return _wrap([value], waba_id)

    @staticmethod
    def envelope(values: Iterable[Mapping[str, Any]], *, waba_id: str = "102290129340398") -> dict[str, Any]:
        """Many changes in one webhook POST, as Meta batches them (at most 1,000
        updates). ``values`` are change values (``{"messaging_product", "metadata",
        "messages"|"statuses"|…}``) or whole envelopes (from inbound_text /
        status_update), whose changes are merged in order into one entry."""
        merged: list[dict[str, Any]] = []
        for item in values:
            if "object" in item and "entry" in item:
                for entry in item["entry"]:
                    for change in entry.get("changes", []):
                        merged.append(copy.deepcopy(change["value"]))
            else:
                merged.append(copy.deepcopy(dict(item)))
        updates = sum(len(v.get("messages", [])) + len(v.get("statuses", [])) + len(v.get("errors", [])) for v in merged)
        if updates > MAX_WEBHOOK_UPDATES:
            raise ValueError(f"Meta sends at most {MAX_WEBHOOK_UPDATES} updates per webhook POST, got {updates}")
        return _wrap(merged, waba_id)

    # -- HTTP ------------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        record: RequestRecord | None = None
        try:
            record = self._record(request)
            response = self._handle(request, record)
        except Exception as exc:  # never answer with a bare HTML 500
            self.errors.append(exc)
            error = GraphError(1, 500, "An unknown error occurred")
            response = _json_response(error.body(), 500, error.headers())
            if record is not None:
                record.error_code = 1
        if record is not None:
            record.status = response.status_code
        return response(environ, start_response)

    def _record(self, request: Request) -> RequestRecord:
        body = request.get_data(cache=True)
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                parsed = None
        match = _PATH.match(request.path)
        version_match = _VERSIONED.match(request.path)
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(),
            headers={k: v for k, v in request.headers.items()},
            body=body,
            json=parsed,
            version=version_match.group(1) if version_match else None,
            phone_number_id=match.group(2) if match else None,
        )
        with self._lock:
            self.requests.append(record)
        return record

    def _error(self, record: RequestRecord, error: GraphError) -> Response:
        record.error_code = error.code
        return _json_response(error.body(), error.http_status, error.headers(), record.version)

    def _handle(self, request: Request, record: RequestRecord) -> Response:
        if request.method == "GET":
            return self._read(request, record)
        match = _PATH.match(request.path)
        if match is None:
            return self._error(
                record, GraphError(2500, 400, f"Unknown path components: {request.path}", whatsapp=False)
            )
        object_id = match.group(2)
        if not self._authorized(request):
            return self._error(record, _auth_error())
        if object_id != self.phone_number_id or request.method != "POST":
            return self._error(record, _unknown_object(object_id, request.method))

        with self._lock:
            hold = self._holds.pop(0) if self._holds else None
        if hold is not None:
            hold.reached.set()
            while not hold.release.wait(0.05):
                if self._stopping.is_set():
                    return self._error(record, GraphError(131016))
        hang, failure = self._take_faults()
        if hang is not None and not hang.after:
            if self._stopping.wait(hang.seconds):
                return self._error(record, GraphError(131016))
        if failure is not None:
            response = self._error(record, failure)
        else:
            try:
                response = self._send(record)
            except GraphError as exc:
                response = self._error(record, exc)
        if hang is not None and hang.after:
            self._stopping.wait(hang.seconds)
        return response

    def _read(self, request: Request, record: RequestRecord) -> Response:
        """GET /{phone-number-id} and GET /{waba-id}/message_templates, as `doctor` uses them."""
        if not self._authorized(request):
            return self._error(record, _auth_error())
        match = _NODE.match(request.path)
        node, edge = (match.group(2), match.group(3)) if match else ("", None)
        if node == self.phone_number_id and edge is None:
            return _json_response({"display_phone_number": self.display_phone_number,
                                   "verified_name": "Kantor Desa Pondok", "quality_rating": "GREEN",
                                   "id": self.phone_number_id}, 200, version=record.version)
        if node == self.waba_id and edge == "message_templates":
            wanted = request.args.get("name")
            with self._lock:
                data = [{"name": name, "language": lang, "status": "APPROVED", "category": "UTILITY",
                         "id": str(abs(hash((name, lang))) % 10**15),
                         "components": [{"type": "BODY",
                                         "text": " ".join(f"{{{{{i}}}}}" for i in range(1, count + 1))}]}
                        for (name, lang), count in self._templates.items() if wanted in (None, name)]
            return _json_response({"data": data, "paging": {"cursors": {}}}, 200, version=record.version)
        return self._error(record, _unknown_object(node, request.method))

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            token = value.strip()
        else:
            token = request.args.get("access_token", "")
        return bool(token) and hmac.compare_digest(token, self.token)

    def _take_faults(self) -> tuple[_HangRule | None, GraphError | None]:
        with self._lock:
            hang = next((h for h in self._hang_rules if h.remaining > 0), None)
            if hang is not None:
                hang.remaining -= 1
                hang = copy.copy(hang)
            self._hang_rules = [h for h in self._hang_rules if h.remaining > 0]
            failure: GraphError | None = None
            rule = next((f for f in self._fail_rules if f.remaining > 0), None)
            if rule is not None:
                rule.remaining -= 1
                failure = rule.error()
            self._fail_rules = [f for f in self._fail_rules if f.remaining > 0]
            return hang, failure

    # -- the messages endpoint ------------------------------------------------------------
    def _send(self, record: RequestRecord) -> Response:
        body = record.json
        content_type = record.headers.get("Content-Type", "")
        if not isinstance(body, dict) or "json" not in content_type.lower():
            # Graph reads parameters from a JSON body or a form; anything else
            # carries no parameters at all.
            raise _required("messaging_product")
        product = body.get("messaging_product")
        if product is None:
            raise _required("messaging_product")
        if product != "whatsapp":
            raise _invalid(f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
        recipient_type = body.get("recipient_type", "individual")
        if recipient_type != "individual":
            raise _invalid(f'Param recipient_type must be one of {{INDIVIDUAL}} - got "{recipient_type}".')
        to = body.get("to")
        recipient = body.get("recipient")
        if (to is None or to == "") and recipient:
            # A business-scoped user id in place of `to`, for users who hide their number behind a username
            # (Meta's BSUID docs); `to` wins when both are present.
            if not isinstance(recipient, str) or not _USER_ID.match(recipient):
                raise _invalid("Invalid parameter: recipient must be a business-scoped user id.")
            if not self.accepts_user_ids:
                raise GraphError(131062)
            to = recipient
        if to is None or to == "":
            raise _required("to")
        if not isinstance(to, str) or not (_PHONE.match(to) or (to == recipient and _USER_ID.match(to))):
            raise _invalid("Invalid parameter: to must be a phone number in international format (digits, optional +).")
        wa_id = _digits(to)
        if wa_id == _digits(self.display_phone_number):
            raise GraphError(131021)
        msg_type = body.get("type", "text")  # Meta: type defaults to "text"
        if msg_type not in _KNOWN_TYPES:
            raise _invalid(f'Param type must be one of {{{", ".join(sorted(t.upper() for t in _KNOWN_TYPES))}}} - got "{msg_type}".')

        text: str | None = None
        preview_url: bool | None = None
        template: str | None = None
        language: str | None = None
        parameters: list[str] = []
        if msg_type == "text":
            text, preview_url = self._validate_text(body)
        elif msg_type == "template":
            template, language, parameters = self._validate_template(body)
        elif not isinstance(body.get(msg_type), dict):
            raise _required(msg_type)

        with self._lock:
            rule = self._recipient_rules.get(wa_id)
        async_error: int | None = None
        if rule is not None and not (rule.code == 131047 and msg_type == "template"):
            if rule.asynchronous:
                async_error = rule.code
            else:
                raise GraphError(rule.code, rule.http_status)

        message_id = _new_wamid(wa_id)
        message: dict[str, Any] = {"id": message_id}
        if msg_type == "template":
            message["message_status"] = "accepted"
        sent = SentMessage(
            message_id=message_id,
            to=to,
            wa_id=wa_id,
            type=msg_type,
            text=text,
            preview_url=preview_url,
            template=template,
            language=language,
            parameters=parameters,
            json=copy.deepcopy(body),
            phone_number_id=self.phone_number_id,
            async_error=async_error,
        )
        with self._lock:
            self.sent.append(sent)
        record.message_id = message_id
        return _json_response(
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": wa_id}], "messages": [message]},
            200,
            version=record.version,
        )

    @staticmethod
    def _validate_text(body: Mapping[str, Any]) -> tuple[str, bool | None]:
        text_obj = body.get("text")
        if not isinstance(text_obj, dict):
            raise _required("text")
        text = text_obj.get("body")
        if not isinstance(text, str) or text == "":
            raise _required("text['body']")
        if len(text) > MAX_TEXT_BODY:
            raise _invalid(f"Param text['body'] must be at most {MAX_TEXT_BODY} characters long.")
        preview = text_obj.get("preview_url")
        if preview is not None and not isinstance(preview, bool):
            raise _invalid("Param text['preview_url'] must be a boolean.")
        return text, preview

    def _validate_template(self, body: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        tpl = body.get("template")
        if not isinstance(tpl, dict):
            raise _required("template")
        name = tpl.get("name")
        if not isinstance(name, str) or not name:
            raise _required("template['name']")
        lang = tpl.get("language")
        code = lang.get("code") if isinstance(lang, dict) else None
        if not isinstance(code, str) or not code:
            raise _required("template['language']['code']")
        components = tpl.get("components", [])
        if not isinstance(components, list):
            raise _invalid("Param template['components'] must be an array.")
        parameters: list[str] = []
        for component in components:
            if not isinstance(component, dict) or not isinstance(component.get("type"), str):
                raise _required("template['components'][i]['type']")
            if component["type"].lower() != "body":
                continue
            for param in component.get("parameters", []) or []:
                if not isinstance(param, dict) or param.get("type") != "text":
                    raise GraphError(132012)
                value = param.get("text")
                if not isinstance(value, str) or value == "":
                    raise GraphError(131008, details="Parameter text is required for a text parameter.")
                if _BAD_PARAM_TEXT.search(value):
                    raise _invalid("Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
                parameters.append(value)
        with self._lock:
            expected = self._templates.get((name, code))
        if expected is None:
            raise GraphError(132001, details=f"template name ({name}) does not exist in {code}")
        if len(parameters) != expected:
            raise GraphError(
                132000,
                details=f"body: number of localizable_params ({len(parameters)}) does not match the expected "
                f"number of params ({expected})",
            )
        return name, code, parameters


# ---------------------------------------------------------------------------
# 4. Webhook payload building blocks
# ---------------------------------------------------------------------------


def sign_body(app_secret: str, body: bytes) -> str:
    """``"sha256=" + hex(HMAC-SHA256(app_secret, raw body))`` — Meta's X-Hub-Signature-256."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _value(phone_number_id: str, display_phone_number: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
    }


def _wrap(values: list[dict[str, Any]], waba_id: str) -> dict[str, Any]:
    """Meta's envelope: ``{"object": "whatsapp_business_account", "entry": [{"id": WABA_ID,
    "changes": [{"value": {...}, "field": "messages"}]}]}``."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": v, "field": "messages"} for v in values]}],
    }
