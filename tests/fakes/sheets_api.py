"""A faithful fake of the Google Sheets API v4 and Google's OAuth token endpoint.

The fake is served over real HTTP on 127.0.0.1 (a random free port) from a
background thread, so the *real* gspread and google-auth code talk to it: the
service-account JWT is really signed and verified, every Sheets call really
carries a bearer token, and gspread really parses the JSON it gets back.
Point gspread at it by rewriting the URL prefix
``https://sheets.googleapis.com/v4/spreadsheets`` to :attr:`FakeSheetsAPI.base_url`
(e.g. in a ``gspread.http_client.HTTPClient`` subclass), and build the
credentials from :meth:`FakeSheetsAPI.service_account_info`.

What is modelled, and why it matters for a service that uses a sheet as its
register (each point follows Google's documented or widely reported
behaviour; see the comments where it is implemented):

* values.get / values.batchGet: effective A1 ``range`` in the response,
  trailing empty cells and rows trimmed, ``values`` omitted when empty, the
  three value render options and both date-time render options.
* values.update / values.batchUpdate / values.append / values.clear /
  values.batchClear, with RAW vs USER_ENTERED parsing in the spreadsheet's
  locale (default ``id_ID``: "," is the decimal separator, formulas need ";"
  between arguments), leading zeros lost on numeric strings, apostrophe
  forcing text, formulas stored as formulas.
* append's table detection (a gap row ends the table, so appends land in the
  gap) and INSERT_ROWS shifting the rows below; grid limits on every other
  write ("Range (...) exceeds grid limits").
* spreadsheets.get metadata (frozen rows, conditional formats, protected
  ranges, grid data with data validation) and spreadsheets.batchUpdate for the
  structural requests a register needs; a batchUpdate is all-or-nothing.
* Google's error JSON (``{"error": {"code", "message", "status"}}``) for every
  failure, which is what ``gspread.exceptions.APIError`` reads.
* Drive v3 ``files.get`` of a spreadsheet (``GET /drive/v3/files/{fileId}``,
  served under :attr:`FakeSheetsAPI.drive_base_url`): ``fields`` selection of
  ``id``, ``name``, ``mimeType`` (``application/vnd.google-apps.spreadsheet``),
  ``kind``, ``version`` (an int64 as a JSON string), ``modifiedTime`` and
  ``createdTime`` (RFC 3339, milliseconds, ``Z``), ``trashed``,
  ``webViewLink``; ``headRevisionId``, ``md5Checksum``, ``driveId``... are
  valid selections that Google leaves out for a Google Sheets file. ``version``
  goes up on every change: every successful Sheets write request (values.*,
  spreadsheets.batchUpdate) and every staff action; reads never change it. It
  goes up by ``drive_version_step`` (default 1); Google only promises
  "monotonically increasing" and its real steps vary. The token needs a Drive scope that can see metadata
  (``drive.metadata.readonly``, ``drive.metadata``, ``drive.readonly``,
  ``drive``, ``drive.file``); ``spreadsheets`` alone gets Google's 403
  ``insufficientPermissions`` / ``ACCESS_TOKEN_SCOPE_INSUFFICIENT``. Drive's
  error JSON also carries the legacy ``errors`` list (``reason``, ``domain``).

Number format *Plain text* (``userEnteredFormat.numberFormat.type = TEXT``, set
by ``repeatCell``) is modelled: USER_ENTERED writes and staff typing into such a
cell store the text as typed, parsing nothing.

Not modelled (documented deviations): formula evaluation beyond literals and
HYPERLINK (other formulas render as ``#NAME?`` unless the test supplies
``Formula(text, value=...)``), other number formats (percent, currency), named
ranges, merges, filters' effect on reads, the Drive API beyond ``files.get``
(files.list, copy, permissions... answer 404), Drive's own lag (``version``
follows edits at once unless a test sets ``drive_lag``), ``drive.file``'s rule
that only files the app created or opened are visible.

Test-side controls: staff actions that edit the sheet directly (``set_cell``,
``sort_rows``, ``insert_row`` ...), request counters and a request log
(``reads``, ``writes``, ``drive_requests``, ``tokens_issued``, ``requests``),
fault injection (``fail_next``, ``fail_randomly``, ``hang_next``,
``deny_access``, ``expire_tokens``, ``before_request``; Drive requests are
kind ``"drive"``), the Drive switches ``drive_enabled`` (False: 403
``accessNotConfigured`` / ``SERVICE_DISABLED``, the API not enabled in the
Cloud project) and ``drive_lag`` (N: files.get reports the file as it was N
changes ago), ``drive_file()`` (the true Drive metadata) and ``errors``
(exceptions raised inside the fake or a callback; a test can assert it stays
empty).

Layout of this module:
  1. Errors in Google's shape
  2. Cell values: parsing user input and rendering for reads (locale aware)
  3. A1 notation
  4. The in-memory model (spreadsheet, sheets, cells)
  5. API operations on the model (values.*, spreadsheets.get/batchUpdate)
  6. Throwaway service-account key and the token endpoint
  7. Drive v3 files.get: metadata, field selection and Drive's error JSON
  8. HTTP routing, fault injection and the public FakeSheetsAPI class
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import math
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence, Union
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Request, Response

from .server import LocalServer

__all__ = [
    "DateTimeValue",
    "FakeSheetsAPI",
    "Formula",
    "RequestRecord",
    "SheetsError",
    "SHEETS_PREFIX",
    "DRIVE_PREFIX",
    "GOOGLE_TOKEN_URI",
]

#: The URL prefix gspread uses (gspread.urls.SPREADSHEETS_API_V4_BASE_URL).
SHEETS_PREFIX = "https://sheets.googleapis.com/v4/spreadsheets"
#: The URL prefix of Drive v3 (gspread.urls.DRIVE_FILES_API_V3_URL without "/files").
DRIVE_PREFIX = "https://www.googleapis.com/drive/v3"
#: google-auth always puts Google's own token URI in the JWT ``aud`` claim,
#: whatever ``token_uri`` the key file names (service_account.py,
#: ``_GOOGLE_OAUTH2_TOKEN_ENDPOINT``), and Google requires exactly this value.
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"

_DEFAULT_ROWS = 1000  # a new Google sheet is 1000 rows x 26 columns (A:Z)
_DEFAULT_COLS = 26


# ---------------------------------------------------------------------------
# 1. Errors in Google's shape
# ---------------------------------------------------------------------------

# Canonical google.rpc status names per HTTP code, as the Sheets API sends them.
_STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# The messages Google really sends for these codes.
_DEFAULT_MESSAGES: dict[int, str] = {
    400: "Request contains an invalid argument.",
    401: (
        "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    500: "Internal error encountered.",
    501: "Operation is not implemented, or supported, or enabled.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}


class SheetsError(Exception):
    """An API failure, rendered as Google's JSON error body.

    Google answers every Sheets failure with
    ``{"error": {"code": N, "message": "...", "status": "NAME"}}`` (plus optional
    ``details``); gspread's ``APIError`` reads ``code`` from that body.
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        self.code = code
        self.message = message or _DEFAULT_MESSAGES.get(code, "Unknown error.")
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        super().__init__(f"[{code}] {self.message}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": self.status,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _bad_request(message: str) -> SheetsError:
    return SheetsError(400, message)


def _quota_error(kind: str) -> SheetsError:
    """The 429 Google sends when the per-minute read or write quota is spent."""
    metric = "Write requests" if kind == "write" else "Read requests"
    limit = "WriteRequestsPerMinutePerUser" if kind == "write" else "ReadRequestsPerMinutePerUser"
    return SheetsError(
        429,
        f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute "
        "per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:123456789012'.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "sheets.googleapis.com",
                    "quota_metric": f"sheets.googleapis.com/{kind}_requests",
                    "quota_limit": limit,
                    "consumer": "projects/123456789012",
                },
            }
        ],
    )


def _error_for_status(code: int, kind: str) -> SheetsError:
    if code == 429:
        return _quota_error(kind)
    return SheetsError(code)


# ---------------------------------------------------------------------------
# 2. Cell values: parsing user input and rendering for reads
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A formula cell, e.g. ``Formula('=HYPERLINK("https://x";"label")')``.

    The fake does not evaluate formulas in general. A test may state what
    Google would compute with ``value``; otherwise literals and HYPERLINK are
    evaluated and anything else renders as ``#NAME?``.
    """

    text: str
    value: str | int | float | bool | None = None


@dataclass(frozen=True)
class DateTimeValue:
    """A date/date-time that USER_ENTERED parsed from text such as ``2024-01-05``.

    Google stores it as a serial number (days since 1899-12-30) with a date
    number format; ``text`` is how it is displayed (FORMATTED_VALUE).
    """

    serial: float
    text: str


CellValue = Union[str, int, float, bool, Formula, DateTimeValue, None]
Rendered = Union[str, int, float, bool]

# Languages whose locales write 1,5 for one and a half. In these locales
# Google Sheets also uses ";" as the function-argument separator, and a formula
# written with "," (as in en_US) is a "Formula parse error" (#ERROR!) even
# when sent through the API (googleapis/google-api-nodejs-client#1994: a
# HYPERLINK with "," breaks in a Turkish-locale sheet). ";" is accepted in
# every locale.
_COMMA_DECIMAL_LANGS = frozenset(
    "id de fr es it pt nl tr ru pl da sv fi nb nn no cs sk ro hu el uk bg hr sl "
    "sr lt lv et vi az kk be ca eu gl is mk sq".split()
)
# Languages whose short dates are month-first (en_US: 1/5/2024 is 5 January).
_MONTH_FIRST_LOCALES = frozenset({"en_US", "en_PH", "en_CA", "es_US"})


@dataclass(frozen=True)
class _Locale:
    code: str
    decimal: str
    group: str
    day_first: bool

    @staticmethod
    def of(code: str) -> _Locale:
        lang = code.split("_")[0].lower()
        if lang in _COMMA_DECIMAL_LANGS:
            return _Locale(code, ",", ".", True)
        return _Locale(code, ".", ",", code not in _MONTH_FIRST_LOCALES)


_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Sheets' (Lotus 1-2-3) serial numbers
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_SLASH_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


def _serial(moment: dt.datetime) -> float:
    delta = moment - _EPOCH
    serial = delta.days + delta.seconds / 86400
    return float(serial)


def _parse_date(text: str, loc: _Locale) -> DateTimeValue | None:
    m = _ISO_DATE.fullmatch(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _SLASH_DATE.fullmatch(text)
        if not m:
            return None
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        d, mo = (a, b) if loc.day_first else (b, a)
    hh, mm, ss = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    try:
        moment = dt.datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return None
    return DateTimeValue(_serial(moment), text)


def _number_patterns(loc: _Locale) -> list[re.Pattern[str]]:
    dec, grp = re.escape(loc.decimal), re.escape(loc.group)
    return [
        re.compile(r"[+-]?\d+"),
        re.compile(rf"[+-]?\d{{1,3}}(?:{grp}\d{{3}})+(?:{dec}\d+)?"),
        re.compile(rf"[+-]?(?:\d+{dec}\d*|{dec}\d+)"),
        re.compile(rf"[+-]?\d+(?:{dec}\d+)?[eE][+-]?\d+"),
    ]


def _normal_number(value: float) -> int | float:
    """Sheets stores every number as a double; integral ones come back as ints."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _parse_number(text: str, loc: _Locale) -> int | float | None:
    for pattern in _number_patterns(loc):
        if pattern.fullmatch(text):
            plain = text.replace(loc.group, "").replace(loc.decimal, ".")
            # float() on purpose: Google keeps a double, so a 17-digit string
            # loses precision exactly as it does in a real sheet.
            return _normal_number(float(plain))
    return None


def parse_user_entered(text: str, loc: _Locale) -> CellValue:
    """What Google stores when ``text`` is sent with valueInputOption=USER_ENTERED
    (= typed by a person into the cell).

    * "" clears the cell;
    * a leading apostrophe forces text and is not part of the value;
    * "=..." is a formula;
    * TRUE/FALSE (any case) become booleans;
    * numbers in the locale's notation become numbers, so "0812345" becomes
      812345: the leading zero of a phone number is lost;
    * dates (ISO ``2024-01-05``, or the locale's short ``05/01/2024``, with an
      optional time) become date serials;
    * anything else stays text. Not parsed (documented deviation): percent,
      currency, times without a date.
    """
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:] or None
    if text.startswith("=") and len(text) > 1:
        return Formula(text)
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE"
    number = _parse_number(stripped, loc)
    if number is not None:
        return number
    date = _parse_date(stripped, loc)
    if date is not None:
        return date
    return text


def _format_number(value: int | float, loc: _Locale) -> str:
    """FORMATTED_VALUE of a number in the default ("Automatic") format.

    Integers print without ".0"; the locale's decimal separator is used (1,5 in
    id_ID); 15+ digit magnitudes switch to scientific notation like the Sheets
    UI ("3,20123E+15" for a 16-digit NIK typed as a number). The exact
    threshold Google uses is an approximation here.
    """
    number = float(value)
    if not math.isfinite(number):
        return "#NUM!"
    if number != 0 and (abs(number) >= 1e15 or abs(number) < 1e-9):
        mantissa, exponent = f"{number:.5e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        exp = int(exponent)
        text = f"{mantissa}E{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    elif number.is_integer():
        text = str(int(number))
    else:
        text = format(number, ".15g")
    return text.replace(".", loc.decimal)


def _split_args(body: str, loc: _Locale) -> tuple[list[str], set[str]] | None:
    """Split a formula argument list at top level; None on unbalanced input."""
    args: list[str] = []
    seps: set[str] = set()
    depth, in_str, start = 0, False, 0
    i = 0
    while i < len(body):
        ch = body[i]
        if in_str:
            if ch == '"':
                if i + 1 < len(body) and body[i + 1] == '"':
                    i += 1
                else:
                    in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and ch in ",;":
            between_digits = (
                ch == loc.decimal
                and 0 < i < len(body) - 1
                and body[i - 1].isdigit()
                and body[i + 1].isdigit()
            )
            if not between_digits:
                seps.add(ch)
                args.append(body[start:i])
                start = i + 1
        i += 1
    if in_str or depth != 0:
        return None
    args.append(body[start:])
    return [a.strip() for a in args], seps


_STRING_LITERAL = re.compile(r'"((?:[^"]|"")*)"')


def _literal(expr: str, loc: _Locale) -> Rendered | None:
    m = _STRING_LITERAL.fullmatch(expr)
    if m:
        return m[1].replace('""', '"')
    if expr.upper() in ("TRUE", "FALSE"):
        return expr.upper() == "TRUE"
    return _parse_number(expr, loc)


def evaluate_formula(formula: Formula, loc: _Locale) -> Rendered:
    """The value Google would compute, as far as the fake knows it.

    Literals (``="x"``, ``=12``) and ``HYPERLINK(url[; label])`` are evaluated.
    An argument separator the locale does not accept ("," in id_ID) is a parse
    error, ``#ERROR!``, as in a real sheet. Anything else is ``#NAME?`` unless
    the test gave ``Formula(..., value=...)``.
    """
    if formula.value is not None:
        return formula.value
    body = formula.text[1:].strip()
    literal = _literal(body, loc)
    if literal is not None:
        return literal
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_.]*)\s*\((.*)\)", body, re.S)
    if not m:
        return "#NAME?"
    split = _split_args(m[2], loc)
    if split is None:
        return "#ERROR!"
    args, seps = split
    if loc.decimal == "," and "," in seps:
        return "#ERROR!"
    if m[1].upper() == "HYPERLINK" and 1 <= len(args) <= 2:
        values = [_literal(a, loc) for a in args]
        if all(isinstance(v, str) for v in values):
            return str(values[-1])
    return "#NAME?"


# valueRenderOption / dateTimeRenderOption values (REST enum names).
FORMATTED = "FORMATTED_VALUE"
UNFORMATTED = "UNFORMATTED_VALUE"
FORMULA = "FORMULA"
SERIAL_NUMBER = "SERIAL_NUMBER"
FORMATTED_STRING = "FORMATTED_STRING"


def render_value(value: CellValue, option: str, dt_option: str, loc: _Locale) -> Rendered | None:
    """A stored value as a values.get response carries it (None = empty cell).

    FORMATTED_VALUE gives strings only (numbers in the locale's notation,
    booleans as TRUE/FALSE); UNFORMATTED_VALUE gives JSON numbers/booleans;
    FORMULA gives a formula's text. dateTimeRenderOption applies only when
    the value render option is not FORMATTED_VALUE (Google ignores it then).
    """
    if value is None:
        return None
    if isinstance(value, Formula):
        if option == FORMULA:
            return value.text
        value = evaluate_formula(value, loc)
    if isinstance(value, DateTimeValue):
        if option == FORMATTED or dt_option == FORMATTED_STRING:
            return value.text
        return _normal_number(value.serial)
    if isinstance(value, bool):
        if option == FORMATTED:
            return "TRUE" if value else "FALSE"
        return value
    if isinstance(value, (int, float)):
        if option == FORMATTED:
            return _format_number(value, loc)
        return _normal_number(float(value)) if isinstance(value, float) else value
    return value


def _input_value(raw: Any, option: str, loc: _Locale, where: str) -> tuple[bool, CellValue]:
    """Convert one request value. Returns (skip, value); JSON null is skipped.

    ValueRange docs: "Null values will be skipped. To set a cell to an empty
    value, set the string value to an empty string." Under RAW strings are
    stored literally: "=SUM(1)" stays text, "'abc" keeps its apostrophe and
    "0812" keeps its leading zero.
    """
    if raw is None:
        return True, None
    if isinstance(raw, bool):
        return False, raw
    if isinstance(raw, (int, float)):
        return False, raw
    if isinstance(raw, str):
        if option == "RAW":
            return False, (raw if raw != "" else None)
        return False, parse_user_entered(raw, loc)
    kind = "list_value" if isinstance(raw, list) else "struct_value"
    raise _bad_request(
        f"Invalid values{where}: {kind} {json.dumps(raw)}"
    )


# ---------------------------------------------------------------------------
# 3. A1 notation
# ---------------------------------------------------------------------------


def col_letters(index: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Letters -> 0-based column index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def a1_cell(row: int, col: int) -> str:
    """0-based (row, col) -> "B3"."""
    return f"{col_letters(col)}{row + 1}"


_CELL_LIKE = re.compile(r"(?:[A-Za-z]{1,3}\d+|[Rr]\d+[Cc]\d+)")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_title(title: str) -> str:
    """Sheet title as Google writes it in A1 responses: bare when it is a plain
    identifier (``Permohonan!A1:Z1000``), otherwise single-quoted with ``''``
    escaping (``'Form Responses 1'!A1:Z1000``)."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Title + 0-based half-open rectangle -> "Tab!A1:C3" (or "Tab!A1")."""
    start = a1_cell(r0, c0)
    end = a1_cell(r1 - 1, c1 - 1)
    cells = start if (r1 - r0 == 1 and c1 - c0 == 1) else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"


@dataclass(frozen=True)
class ParsedRange:
    """An A1 range before it is resolved against a spreadsheet.

    Rows/columns are 0-based, ends exclusive; ``None`` ends are unbounded
    (``A:A``, ``1:1``, ``A2:C``). ``cells is None`` means the whole sheet.
    """

    text: str
    sheet: str | None
    cells: tuple[int, int | None, int, int | None] | None
    cell_text: str | None


_ENDPOINT = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?")


def _parse_endpoint(text: str) -> tuple[int | None, int | None]:
    m = _ENDPOINT.fullmatch(text)
    if not m or (m[1] is None and m[2] is None):
        raise ValueError(text)
    col = col_index(m[1]) if m[1] else None
    row = int(m[2]) if m[2] else None
    if row is not None and row < 1:
        raise ValueError(text)
    return col, row


def _parse_cells(text: str) -> tuple[int, int | None, int, int | None]:
    """"B2:D" -> (r0=1, r1=None, c0=1, c1=4). Raises ValueError."""
    parts = text.split(":")
    if len(parts) == 1:
        col, row = _parse_endpoint(parts[0])
        if col is None or row is None:
            raise ValueError(text)
        return row - 1, row, col, col + 1
    if len(parts) != 2:
        raise ValueError(text)
    (c_a, r_a), (c_b, r_b) = _parse_endpoint(parts[0]), _parse_endpoint(parts[1])
    # "A:B" (no rows) and "1:2" (no columns) are whole columns / rows.
    if (r_a is None) != (r_b is None) and r_a is None:
        raise ValueError(text)  # "A:B5" style is not valid A1
    if (c_a is None) != (c_b is None) and c_a is None:
        raise ValueError(text)  # "1:B5"
    r0 = (r_a - 1) if r_a is not None else 0
    r1 = r_b if r_b is not None else None
    c0 = c_a if c_a is not None else 0
    c1 = (c_b + 1) if c_b is not None else None
    if r1 is not None and r1 - 1 < r0:  # "B5:A1" is normalised like Google does
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 - 1 < c0:
        c0, c1 = c1 - 1, c0 + 1
    return r0, r1, c0, c1


def parse_a1(text: str) -> ParsedRange:
    """Parse ``Tab``, ``'Tab with spaces'!A1:L5``, ``Tab!A:A``, ``Tab!1:1``,
    ``Tab!A2:C``, ``'It''s'!A1`` or a bare ``A1:B2`` (first sheet).

    A bare word that is not a cell reference is a sheet title (resolved
    later). Raises SheetsError 400 "Unable to parse range: X" (Google echoes
    the range as sent).
    """
    fail = _bad_request(f"Unable to parse range: {text}")
    s = text.strip()
    if not s:
        raise fail
    sheet: str | None
    rest: str | None
    if s.startswith("'"):
        chars: list[str] = []
        i = 1
        while True:
            if i >= len(s):
                raise fail
            if s[i] == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                break
            chars.append(s[i])
            i += 1
        sheet = "".join(chars)
        tail = s[i + 1 :]
        if tail == "":
            rest = None
        elif tail.startswith("!") and len(tail) > 1:
            rest = tail[1:]
        else:
            raise fail
    elif "!" in s:
        sheet, rest = s.split("!", 1)
        if not sheet or not rest:
            raise fail
    else:
        try:
            return ParsedRange(text, None, _parse_cells(s), s)
        except ValueError:
            return ParsedRange(text, s, None, None)
    if rest is None:
        return ParsedRange(text, sheet, None, None)
    try:
        return ParsedRange(text, sheet, _parse_cells(rest), rest)
    except ValueError:
        raise fail from None


# ---------------------------------------------------------------------------
# 4. The in-memory model
# ---------------------------------------------------------------------------


def _strip_nulls(value: Any) -> Any:
    """Google's JSON mapping treats null as 'not set' and never echoes it."""
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


@dataclass
class Cell:
    """One grid cell: its value plus the properties that travel with it."""

    value: CellValue = None
    validation: dict[str, Any] | None = None
    fmt: dict[str, Any] | None = None
    note: str | None = None

    def is_blank(self) -> bool:
        return self.value is None and self.validation is None and self.fmt is None and self.note is None

    def properties_copy(self) -> Cell | None:
        """What an inserted row/column inherits: format and validation, no value."""
        if self.validation is None and self.fmt is None:
            return None
        return Cell(None, copy.deepcopy(self.validation), copy.deepcopy(self.fmt))


def is_plain_text(cell: Cell | None) -> bool:
    """A cell formatted *Plain text* (numberFormat type TEXT): what is typed stays text, as typed.

    Sheets then parses nothing: "3201014507900001" keeps all 16 digits, "0812…" its zero, and
    "+62 812…" or "=1+1" are not formulas (Sheets API ``NumberFormatType.TEXT``).
    """
    return bool(cell and cell.fmt and (cell.fmt.get("numberFormat") or {}).get("type") == "TEXT")


@dataclass
class Rect:
    """A resolved, concrete 0-based half-open rectangle on one sheet."""

    sheet: Sheet
    r0: int
    r1: int
    c0: int
    c1: int

    def a1(self) -> str:
        return a1_range(self.sheet.title, self.r0, self.r1, self.c0, self.c1)


class Sheet:
    """A grid sheet. ``grid`` is ragged: rows/cells past the last used one are
    simply absent, while ``row_count``/``col_count`` are the real grid size."""

    def __init__(self, sheet_id: int, title: str, index: int, rows: int, cols: int) -> None:
        self.sheet_id = sheet_id
        self.title = title
        self.index = index
        self.row_count = rows
        self.col_count = cols
        self.frozen_rows = 0
        self.frozen_cols = 0
        self.hidden = False
        self.grid: list[list[Cell | None]] = []
        self.conditional_formats: list[dict[str, Any]] = []
        self.protected_ranges: list[dict[str, Any]] = []
        self.basic_filter: dict[str, Any] | None = None

    def clone(self) -> Sheet:
        twin = copy.copy(self)
        twin.grid = [
            [Cell(c.value, c.validation, c.fmt, c.note) if c is not None else None for c in row]
            for row in self.grid
        ]
        twin.conditional_formats = copy.deepcopy(self.conditional_formats)
        twin.protected_ranges = copy.deepcopy(self.protected_ranges)
        twin.basic_filter = copy.deepcopy(self.basic_filter)
        return twin

    # -- cell access ---------------------------------------------------------
    def cell(self, r: int, c: int) -> Cell | None:
        if r < len(self.grid) and c < len(self.grid[r]):
            return self.grid[r][c]
        return None

    def value(self, r: int, c: int) -> CellValue:
        cell = self.cell(r, c)
        return cell.value if cell else None

    def ensure(self, r: int, c: int) -> Cell:
        while len(self.grid) <= r:
            self.grid.append([])
        row = self.grid[r]
        while len(row) <= c:
            row.append(None)
        if row[c] is None:
            row[c] = Cell()
        return row[c]  # type: ignore[return-value]

    def set_value(self, r: int, c: int, value: CellValue) -> None:
        if value is None:
            cell = self.cell(r, c)
            if cell is not None:
                cell.value = None
            return
        self.ensure(r, c).value = value

    def has_value_in_row(self, r: int, c0: int, c1: int) -> bool:
        if r < 0 or r >= len(self.grid):
            return False
        row = self.grid[r]
        return any(
            row[c] is not None and row[c].value is not None  # type: ignore[union-attr]
            for c in range(max(c0, 0), min(c1, len(row)))
        )

    def has_value_in_col(self, c: int, r0: int, r1: int) -> bool:
        if c < 0:
            return False
        return any(self.value(r, c) is not None for r in range(max(r0, 0), min(r1, len(self.grid))))

    # -- structure -----------------------------------------------------------
    def insert_rows(self, at: int, n: int, inherit_from: int | None) -> None:
        """Insert ``n`` grid rows before 0-based ``at``; they copy the format and
        data validation of row ``inherit_from`` (Google's inheritFromBefore)."""
        template = self.grid[inherit_from] if inherit_from is not None and 0 <= inherit_from < len(self.grid) else []
        if at <= len(self.grid):
            new_rows = [[c.properties_copy() if c else None for c in template] for _ in range(n)]
            self.grid[at:at] = new_rows
        self.row_count += n
        self._shift_ranges("ROWS", at, n)

    def delete_rows(self, start: int, end: int) -> None:
        del self.grid[start:end]
        self.row_count -= end - start
        self.frozen_rows = min(self.frozen_rows, self.row_count)
        self._shrink_ranges("ROWS", start, end)

    def insert_cols(self, at: int, n: int, inherit_from: int | None) -> None:
        for row in self.grid:
            template = row[inherit_from] if inherit_from is not None and 0 <= inherit_from < len(row) else None
            if at <= len(row):
                row[at:at] = [template.properties_copy() if template else None for _ in range(n)]
        self.col_count += n
        self._shift_ranges("COLUMNS", at, n)

    def delete_cols(self, start: int, end: int) -> None:
        for row in self.grid:
            del row[start:end]
        self.col_count -= end - start
        self.frozen_cols = min(self.frozen_cols, self.col_count)
        self._shrink_ranges("COLUMNS", start, end)

    def resize(self, rows: int | None = None, cols: int | None = None) -> None:
        if rows is not None:
            if rows < self.row_count:
                del self.grid[rows:]
            self.row_count = rows
        if cols is not None:
            if cols < self.col_count:
                for row in self.grid:
                    del row[cols:]
            self.col_count = cols

    def _grid_ranges(self) -> Iterable[dict[str, Any]]:
        for rule in self.conditional_formats:
            yield from rule.get("ranges", [])
        for protected in self.protected_ranges:
            if "range" in protected:
                yield protected["range"]
        if self.basic_filter and "range" in self.basic_filter:
            yield self.basic_filter["range"]

    def _shift_ranges(self, dim: str, at: int, n: int) -> None:
        # Ranges below/right of an insertion move; ranges spanning it grow,
        # as they do in Sheets.
        start_key, end_key = _dim_keys(dim)
        for gr in self._grid_ranges():
            if gr.get(start_key, 0) >= at:
                gr[start_key] = gr.get(start_key, 0) + n
            if end_key in gr and gr[end_key] > at:
                gr[end_key] += n

    def _shrink_ranges(self, dim: str, start: int, end: int) -> None:
        start_key, end_key = _dim_keys(dim)
        removed = end - start

        def moved(x: int) -> int:
            if x >= end:
                return x - removed
            return min(x, start)

        for gr in self._grid_ranges():
            if start_key in gr:
                gr[start_key] = moved(gr[start_key])
            if end_key in gr:
                gr[end_key] = moved(gr[end_key])

    # -- JSON ----------------------------------------------------------------
    def properties_json(self) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.col_count}
        # Google omits default (zero/false) fields from its JSON.
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props


def _dim_keys(dim: str) -> tuple[str, str]:
    if dim == "ROWS":
        return "startRowIndex", "endRowIndex"
    return "startColumnIndex", "endColumnIndex"


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, title: str, locale: str, time_zone: str) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.locale = locale
        self.loc = _Locale.of(locale)
        self.time_zone = time_zone
        self.sheets: list[Sheet] = []
        # Deterministic "random" ids: Google gives the first sheet gid 0 and
        # later sheets random positive int32s.
        self._rng = random.Random(spreadsheet_id)

    def clone(self) -> Spreadsheet:
        """Copy for copy-on-write updates. Cells are copied; their validation
        and format dicts are shared because they are only ever replaced,
        never mutated in place."""
        twin = copy.copy(self)
        twin._rng = copy.deepcopy(self._rng)
        twin.sheets = [sheet.clone() for sheet in self.sheets]
        return twin

    def new_sheet_id(self) -> int:
        used = {s.sheet_id for s in self.sheets}
        if not self.sheets and 0 not in used:
            return 0
        while True:
            candidate = self._rng.randint(1, 2**31 - 1)
            if candidate not in used:
                return candidate

    def new_object_id(self) -> int:
        return self._rng.randint(1, 2**31 - 1)

    def find_sheet(self, title: str) -> Sheet | None:
        # Sheet titles are unique case-insensitively and ranges match them so.
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == folded:
                return sheet
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def add_sheet(self, title: str, rows: int, cols: int, index: int | None = None, sheet_id: int | None = None) -> Sheet:
        if self.find_sheet(title) is not None:
            raise _bad_request(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        sid = self.new_sheet_id() if sheet_id is None else sheet_id
        sheet = Sheet(sid, title, 0, rows, cols)
        position = len(self.sheets) if index is None else max(0, min(index, len(self.sheets)))
        self.sheets.insert(position, sheet)
        self.reindex()
        return sheet

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.index = i

    def resolve(self, text: str, *, check_grid: bool = True) -> Rect:
        """A1 text -> Rect. Unknown tab -> 400 "Unable to parse range"; a
        bounded range reaching outside the grid -> 400 "exceeds grid limits"
        (Google rejects it for reads and writes alike)."""
        parsed = parse_a1(text)
        if parsed.sheet is None:
            if not self.sheets:
                raise _bad_request(f"Unable to parse range: {text}")
            sheet = self.sheets[0]
        else:
            found = self.find_sheet(parsed.sheet)
            if found is None:
                raise _bad_request(f"Unable to parse range: {text}")
            sheet = found
        if parsed.cells is None:
            return Rect(sheet, 0, sheet.row_count, 0, sheet.col_count)
        r0, r1, c0, c1 = parsed.cells
        if check_grid and (
            r0 >= sheet.row_count
            or c0 >= sheet.col_count
            or (r1 is not None and r1 > sheet.row_count)
            or (c1 is not None and c1 > sheet.col_count)
        ):
            raise grid_limit_error(sheet, f"{quote_title(sheet.title)}!{parsed.cell_text}")
        return Rect(
            sheet,
            r0,
            min(r1, sheet.row_count) if r1 is not None else sheet.row_count,
            c0,
            min(c1, sheet.col_count) if c1 is not None else sheet.col_count,
        )


def grid_limit_error(sheet: Sheet, range_text: str) -> SheetsError:
    # e.g. "Range ('Lighthouse Results'!A1001) exceeds grid limits. Max rows: 1000, max columns: 121"
    return _bad_request(
        f"Range ({range_text}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.col_count}"
    )


# ---------------------------------------------------------------------------
# 5. API operations on the model (called with the model lock held)
# ---------------------------------------------------------------------------

_DIMENSIONS = ("ROWS", "COLUMNS")
_VALUE_RENDER = (FORMATTED, UNFORMATTED, FORMULA)
_DT_RENDER = (SERIAL_NUMBER, FORMATTED_STRING)
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def _enum(value: Any, allowed: Sequence[str], default: str, name: str, proto: str) -> str:
    if value is None or value == "" or value == f"{proto.upper()}_UNSPECIFIED":
        return default
    if value not in allowed:
        raise _bad_request(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{proto}), \"{value}\""
        )
    return str(value)


def _input_option(value: Any) -> str:
    if value in (None, "", "INPUT_VALUE_OPTION_UNSPECIFIED"):
        raise _bad_request("'valueInputOption' is required but not specified")
    return _enum(value, _INPUT_OPTIONS, "RAW", "value_input_option", "ValueInputOption")


def _transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    return [[r[j] if j < len(r) else None for r in rows] for j in range(width)]


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Google drops trailing empty cells of each row and trailing empty rows;
    empty cells in the middle come back as ""."""
    out = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return [["" if v is None else v for v in row] for row in out]


def read_rect(rect: Rect, major: str, option: str, dt_option: str, loc: _Locale) -> list[list[Any]]:
    sheet = rect.sheet
    rows: list[list[Any]] = []
    for r in range(rect.r0, min(rect.r1, len(sheet.grid))):
        rows.append(
            [render_value(sheet.value(r, c), option, dt_option, loc) for c in range(rect.c0, rect.c1)]
        )
    if major == "COLUMNS":
        rows = _transpose(rows)
    return _trim(rows)


def value_range_json(ss: Spreadsheet, range_text: str, params: Mapping[str, Any]) -> dict[str, Any]:
    major = _enum(params.get("majorDimension"), _DIMENSIONS, "ROWS", "major_dimension", "Dimension")
    option = _enum(params.get("valueRenderOption"), _VALUE_RENDER, FORMATTED, "value_render_option", "ValueRenderOption")
    dt_option = _enum(
        params.get("dateTimeRenderOption"), _DT_RENDER, SERIAL_NUMBER, "date_time_render_option", "DateTimeRenderOption"
    )
    rect = ss.resolve(range_text)
    out: dict[str, Any] = {"range": rect.a1(), "majorDimension": major}
    values = read_rect(rect, major, option, dt_option, ss.loc)
    if values:  # Google omits "values" when there is nothing to return
        out["values"] = values
    return out


@dataclass
class _WriteResult:
    response: dict[str, Any]
    cells: set[tuple[int, int, int]]  # (sheetId, row, col) written


def write_block(
    ss: Spreadsheet,
    rect: Rect,
    values: Any,
    option: str,
    *,
    bounded_rows: bool,
    bounded_cols: bool,
    range_text: str,
    include_values: bool = False,
    response_params: Mapping[str, Any] | None = None,
) -> _WriteResult:
    """Write ``values`` starting at the top-left of ``rect``.

    ``bounded_rows``/``bounded_cols``: the request range ends there, so values
    may not spill past it ("Requested writing within range [...], but tried
    writing to row [N]"); a single cell such as "Tab!A2" is only a start
    point. Writes past the grid are rejected ("exceeds grid limits"); only
    append grows the grid.
    """
    if values is None:
        values = []
    if not isinstance(values, list) or any(not isinstance(row, list) for row in values):
        raise _bad_request("Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)")
    sheet = rect.sheet
    height = len(values)
    width = max((len(row) for row in values), default=0)
    if bounded_rows and height > rect.r1 - rect.r0:
        raise _bad_request(
            f"Requested writing within range [{range_text}], but tried writing to row [{rect.r1 + 1}]"
        )
    if bounded_cols and width > rect.c1 - rect.c0:
        raise _bad_request(
            f"Requested writing within range [{range_text}], but tried writing to column "
            f"[{col_letters(rect.c1)}]"
        )
    if height and width and (rect.r0 + height > sheet.row_count or rect.c0 + width > sheet.col_count):
        raise grid_limit_error(
            sheet, a1_range(sheet.title, rect.r0, rect.r0 + height, rect.c0, rect.c0 + width)
        )
    written: set[tuple[int, int, int]] = set()
    converted: list[tuple[int, int, CellValue]] = []
    for i, row in enumerate(values):
        for j, raw in enumerate(row):
            cell_option = "RAW" if is_plain_text(sheet.cell(rect.r0 + i, rect.c0 + j)) else option
            skip, value = _input_value(raw, cell_option, ss.loc, f"[{i}][{j}]")
            if not skip:
                converted.append((rect.r0 + i, rect.c0 + j, value))
    for r, c, value in converted:
        sheet.set_value(r, c, value)
        written.add((sheet.sheet_id, r, c))
    response: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    if height and width:
        response["updatedRange"] = a1_range(sheet.title, rect.r0, rect.r0 + height, rect.c0, rect.c0 + width)
        response["updatedRows"] = len({r for _, r, _ in written})
        response["updatedColumns"] = len({c for _, _, c in written})
        response["updatedCells"] = len(written)
        if include_values:
            params = response_params or {}
            written_rect = Rect(sheet, rect.r0, rect.r0 + height, rect.c0, rect.c0 + width)
            response["updatedData"] = value_range_json(
                ss,
                written_rect.a1(),
                {
                    "valueRenderOption": params.get("responseValueRenderOption"),
                    "dateTimeRenderOption": params.get("responseDateTimeRenderOption"),
                },
            )
    else:
        response["updatedRange"] = a1_range(sheet.title, rect.r0, rect.r0 + 1, rect.c0, rect.c0 + 1)
    return _WriteResult(response, written)


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value).lower() == "true"


def _write_value_range(ss: Spreadsheet, range_text: str, value_range: Mapping[str, Any], option: str,
                       include_values: bool, response_params: Mapping[str, Any]) -> _WriteResult:
    """One ValueRange written, as both values.update and each item of values.batchUpdate do."""
    rect = ss.resolve(range_text)
    major = _enum(value_range.get("majorDimension"), _DIMENSIONS, "ROWS", "major_dimension", "Dimension")
    values = value_range.get("values") or []
    if major == "COLUMNS" and isinstance(values, list):
        values = _transpose(values)
    rows_bounded, cols_bounded = _bounds(range_text)
    return write_block(
        ss,
        rect,
        values,
        option,
        bounded_rows=rows_bounded,
        bounded_cols=cols_bounded,
        range_text=range_text,
        include_values=include_values,
        response_params=response_params,
    )


def values_update(ss: Spreadsheet, range_text: str, params: Mapping[str, Any], body: Any) -> dict[str, Any]:
    option = _input_option(params.get("valueInputOption"))
    return _write_value_range(ss, range_text, body or {}, option,
                              _truthy(params.get("includeValuesInResponse")), params).response


def _bounds(range_text: str) -> tuple[bool, bool]:
    """Whether a write range limits rows / columns. Writing a block to
    "Tab!A2" is allowed: a single cell is only a start point."""
    parsed = parse_a1(range_text)
    if parsed.cells is None or parsed.cell_text is None or ":" not in parsed.cell_text:
        return False, False
    return parsed.cells[1] is not None, parsed.cells[3] is not None


def values_batch_update(ss: Spreadsheet, body: Any) -> dict[str, Any]:
    body = body or {}
    option = _input_option(body.get("valueInputOption"))
    responses: list[dict[str, Any]] = []
    cells: set[tuple[int, int, int]] = set()
    for item in body.get("data") or []:
        result = _write_value_range(ss, item.get("range") or "", item, option,
                                    bool(body.get("includeValuesInResponse")), body)
        responses.append(result.response)
        cells |= result.cells
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    if cells:
        out["totalUpdatedRows"] = len({(s, r) for s, r, _ in cells})
        out["totalUpdatedColumns"] = len({(s, c) for s, _, c in cells})
        out["totalUpdatedCells"] = len(cells)
        out["totalUpdatedSheets"] = len({s for s, _, _ in cells})
    out["responses"] = responses
    return out


def find_table(sheet: Sheet, rect: Rect) -> tuple[int, int, int, int] | None:
    """values.append's "table" detection.

    Google: "The input range is used to search for existing data and find a
    'table' within that range. Values will be appended to the next row of the
    table, starting with the first column of the table." Observed behaviour
    (e.g. Qiita "appendの仕様"; theoephraim/node-google-spreadsheet#355): the
    first non-empty cell in the range is the seed; the table grows up, down,
    left and right while the adjacent row/column has data, so one empty row
    ends the table and an append "into" a sheet with a gap row lands in the gap.
    Returns (r0, r1, c0, c1), half-open, or None when the range is empty.
    """
    seed: tuple[int, int] | None = None
    for r in range(rect.r0, min(rect.r1, len(sheet.grid))):
        for c in range(rect.c0, min(rect.c1, len(sheet.grid[r]))):
            if sheet.value(r, c) is not None:
                seed = (r, c)
                break
        if seed:
            break
    if seed is None:
        return None
    r0 = r1 = seed[0]
    c0 = c1 = seed[1]
    changed = True
    while changed:
        changed = False
        while sheet.has_value_in_row(r0 - 1, c0, c1 + 1):
            r0 -= 1
            changed = True
        while sheet.has_value_in_row(r1 + 1, c0, c1 + 1):
            r1 += 1
            changed = True
        while sheet.has_value_in_col(c0 - 1, r0, r1 + 1):
            c0 -= 1
            changed = True
        while sheet.has_value_in_col(c1 + 1, r0, r1 + 1):
            c1 += 1
            changed = True
    return r0, r1 + 1, c0, c1 + 1


def values_append(ss: Spreadsheet, range_text: str, params: Mapping[str, Any], body: Any) -> dict[str, Any]:
    option = _input_option(params.get("valueInputOption"))
    insert = _enum(params.get("insertDataOption"), ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE", "insert_data_option", "InsertDataOption")
    body = body or {}
    major = _enum(body.get("majorDimension"), _DIMENSIONS, "ROWS", "major_dimension", "Dimension")
    values = body.get("values") or []
    if not isinstance(values, list) or any(not isinstance(row, list) for row in values):
        raise _bad_request("Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)")
    if major == "COLUMNS":
        values = _transpose(values)
    rect = ss.resolve(range_text)
    sheet = rect.sheet
    table = find_table(sheet, rect)
    if table is not None:
        start_r, start_c = table[1], table[2]
    else:
        start_r, start_c = rect.r0, rect.c0
    height = len(values)
    width = max((len(row) for row in values), default=0)
    if height and width:
        if insert == "INSERT_ROWS":
            # "Rows are inserted for the new data": the grid grows by the number
            # of rows even if empty rows follow, and rows below shift down. New
            # rows inherit format/validation from the row above, as an insert
            # below does in Sheets.
            sheet.insert_rows(start_r, height, inherit_from=start_r - 1 if start_r > 0 else None)
        elif start_r + height > sheet.row_count:
            # "adding data to the end of the sheet will still insert new rows
            # or columns so the data can be written"
            sheet.row_count = start_r + height
        if start_c + width > sheet.col_count:
            sheet.col_count = start_c + width
    write = write_block(
        ss,
        Rect(sheet, start_r, start_r + max(height, 1), start_c, start_c + max(width, 1)),
        values,
        option,
        bounded_rows=False,
        bounded_cols=False,
        range_text=range_text,
        include_values=_truthy(params.get("includeValuesInResponse")),
        response_params=params,
    )
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    if table is not None:
        out["tableRange"] = a1_range(sheet.title, *table)
    out["updates"] = write.response
    return out


def values_clear(ss: Spreadsheet, range_text: str) -> str:
    rect = ss.resolve(range_text)
    for r in range(rect.r0, min(rect.r1, len(rect.sheet.grid))):
        for c in range(rect.c0, rect.c1):
            rect.sheet.set_value(r, c, None)  # clears values only, keeps format
    return rect.a1()


# -- spreadsheets.get ---------------------------------------------------------


def _user_entered_json(value: CellValue) -> dict[str, Any]:
    if isinstance(value, Formula):
        return {"formulaValue": value.text}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, DateTimeValue):
        return {"numberValue": _normal_number(value.serial)}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    return {"stringValue": value}


def _effective_json(value: Rendered) -> dict[str, Any]:
    if isinstance(value, str) and value.startswith("#") and value.endswith(("?", "!")):
        return {"errorValue": {"type": "ERROR", "message": value}}
    return _user_entered_json(value)


def cell_json(cell: Cell | None, loc: _Locale) -> dict[str, Any]:
    """CellData as spreadsheets.get returns it with grid data."""
    if cell is None:
        return {}
    out: dict[str, Any] = {}
    if cell.value is not None:
        out["userEnteredValue"] = _user_entered_json(cell.value)
        effective = render_value(cell.value, UNFORMATTED, SERIAL_NUMBER, loc)
        if effective is not None:
            out["effectiveValue"] = _effective_json(effective)
        out["formattedValue"] = render_value(cell.value, FORMATTED, SERIAL_NUMBER, loc)
        if isinstance(cell.value, Formula) and cell.value.text[1:].strip().upper().startswith("HYPERLINK"):
            split = _split_args(cell.value.text[1:].strip()[len("HYPERLINK"):].strip()[1:-1], loc)
            if split and split[0]:
                url = _literal(split[0][0], loc)
                if isinstance(url, str):
                    out["hyperlink"] = url
    if cell.fmt:
        out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
    if cell.validation:
        out["dataValidation"] = copy.deepcopy(cell.validation)
    if cell.note:
        out["note"] = cell.note
    return out


def grid_data_json(rect: Rect, loc: _Locale) -> dict[str, Any]:
    sheet = rect.sheet
    row_data: list[dict[str, Any]] = []
    for r in range(rect.r0, min(rect.r1, len(sheet.grid))):
        cells = [cell_json(sheet.cell(r, c), loc) for c in range(rect.c0, rect.c1)]
        while cells and not cells[-1]:
            cells.pop()
        row_data.append({"values": cells} if cells else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    out: dict[str, Any] = {}
    if rect.r0:
        out["startRow"] = rect.r0
    if rect.c0:
        out["startColumn"] = rect.c0
    if row_data:
        out["rowData"] = row_data
    out["rowMetadata"] = [{"pixelSize": 21} for _ in range(rect.r0, rect.r1)]
    out["columnMetadata"] = [{"pixelSize": 100} for _ in range(rect.c0, rect.c1)]
    return out


def spreadsheet_json(ss: Spreadsheet, params: Mapping[str, Any]) -> dict[str, Any]:
    """spreadsheets.get. ``ranges`` limits the sheets returned (and the grid
    data); ``includeGridData`` adds ``data``. Google ignores includeGridData
    when a field mask is set, so a ``fields`` mask naming ``data`` also turns
    grid data on; the mask is otherwise not applied (documented deviation)."""
    ranges = params.get("ranges") or []
    if isinstance(ranges, str):
        ranges = [ranges]
    fields = params.get("fields") or ""
    if isinstance(fields, list):
        fields = ",".join(fields)
    include = _truthy(params.get("includeGridData")) or bool(
        re.search(r"sheets[./(]\s*data|\bdata\b", fields)
    )
    rects = [ss.resolve(r) for r in ranges]
    sheets_json: list[dict[str, Any]] = []
    for sheet in ss.sheets:
        mine = [rect for rect in rects if rect.sheet is sheet]
        if rects and not mine:
            continue
        entry: dict[str, Any] = {"properties": sheet.properties_json()}
        if sheet.conditional_formats:
            entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
        if sheet.protected_ranges:
            entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
        if sheet.basic_filter:
            entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        if include:
            targets = mine or [Rect(sheet, 0, sheet.row_count, 0, sheet.col_count)]
            entry["data"] = [grid_data_json(rect, ss.loc) for rect in targets]
        sheets_json.append(entry)
    return {
        "spreadsheetId": ss.spreadsheet_id,
        "properties": {
            "title": ss.title,
            "locale": ss.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": ss.time_zone,
            "defaultFormat": {
                "backgroundColor": {"red": 1, "green": 1, "blue": 1},
                "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
                "verticalAlignment": "BOTTOM",
                "wrapStrategy": "OVERFLOW_CELL",
                "textFormat": {"fontFamily": "arial,sans,sans-serif", "fontSize": 10},
            },
        },
        "sheets": sheets_json,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.spreadsheet_id}/edit",
    }


# -- spreadsheets.batchUpdate ------------------------------------------------


class _BatchContext:
    def __init__(self, ss: Spreadsheet, index: int, kind: str) -> None:
        self.ss = ss
        self.index = index
        self.kind = kind

    def error(self, message: str) -> SheetsError:
        return _bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def sheet(self, sheet_id: Any) -> Sheet:
        sheet = self.ss.sheet_by_id(int(sheet_id or 0))
        if sheet is None:
            raise self.error(f"No grid with id: {sheet_id or 0}")
        return sheet

    def grid_range(self, gr: Mapping[str, Any] | None) -> Rect:
        gr = gr or {}
        sheet = self.sheet(gr.get("sheetId"))
        r0 = int(gr.get("startRowIndex", 0))
        r1 = int(gr.get("endRowIndex", sheet.row_count))
        c0 = int(gr.get("startColumnIndex", 0))
        c1 = int(gr.get("endColumnIndex", sheet.col_count))
        if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
            raise self.error("Invalid grid range")
        if r1 > sheet.row_count or c1 > sheet.col_count:
            raise self.error(
                f"Range ({a1_range(sheet.title, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))}) exceeds "
                f"grid limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
            )
        return Rect(sheet, r0, r1, c0, c1)


def _field_paths(fields: Any) -> list[str]:
    """"gridProperties/frozenRowCount,title" -> ["gridProperties.frozenRowCount", "title"]."""
    if not fields:
        return []
    return [f.strip().replace("/", ".") for f in str(fields).split(",") if f.strip()]


def _user_entered_value(json_value: Mapping[str, Any] | None) -> CellValue:
    if not json_value:
        return None
    if "formulaValue" in json_value:
        return Formula(str(json_value["formulaValue"]))
    if "boolValue" in json_value:
        return bool(json_value["boolValue"])
    if "numberValue" in json_value:
        return json_value["numberValue"]
    if "stringValue" in json_value:
        # stringValue is stored literally (like RAW): "=1" stays text.
        return json_value["stringValue"] or None
    if "errorValue" in json_value:
        return "#ERROR!"
    return None


def _apply_cell_data(cell_target: Callable[[], Cell], data: Mapping[str, Any], paths: list[str]) -> None:
    """Apply CellData under a field mask (missing field in data = clear it)."""
    if "*" in paths:
        paths = ["userEnteredValue", "userEnteredFormat", "dataValidation", "note"]
    for path in paths:
        top, _, sub = path.partition(".")
        top = top.split("(")[0]
        cell = cell_target()
        if top == "userEnteredValue":
            cell.value = _user_entered_value(data.get("userEnteredValue"))
        elif top == "userEnteredFormat":
            fmt = data.get("userEnteredFormat") or {}
            if sub:
                key = sub.split(".")[0]
                current = dict(cell.fmt or {})
                if key in fmt:
                    current[key] = copy.deepcopy(fmt[key])
                else:
                    current.pop(key, None)
                cell.fmt = current or None
            else:
                cell.fmt = copy.deepcopy(fmt) or None
        elif top == "dataValidation":
            cell.validation = copy.deepcopy(data.get("dataValidation")) or None
        elif top == "note":
            cell.note = data.get("note") or None
        elif top in ("textFormatRuns", "pivotTable", "dataSourceFormula", "chipRuns", "hyperlink", "effectiveValue", "effectiveFormat", "formattedValue"):
            continue  # accepted, not modelled
        else:
            raise _bad_request(f"Invalid field mask: {path}")


def _req_add_sheet(ctx: _BatchContext, req: Mapping[str, Any]) -> dict[str, Any]:
    props = req.get("properties") or {}
    grid = props.get("gridProperties") or {}
    title = props.get("title")
    if not title:
        n = len(ctx.ss.sheets) + 1
        while ctx.ss.find_sheet(f"Sheet{n}"):
            n += 1
        title = f"Sheet{n}"
    if "sheetId" in props and ctx.ss.sheet_by_id(int(props["sheetId"])) is not None:
        raise ctx.error(f"Sheet with id {props['sheetId']} already exists.")
    try:
        sheet = ctx.ss.add_sheet(
            title,
            int(grid.get("rowCount", _DEFAULT_ROWS)),
            int(grid.get("columnCount", _DEFAULT_COLS)),
            props.get("index"),
            int(props["sheetId"]) if "sheetId" in props else None,
        )
    except SheetsError as exc:
        raise ctx.error(exc.message) from None
    sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
    sheet.frozen_cols = int(grid.get("frozenColumnCount", 0))
    sheet.hidden = bool(props.get("hidden", False))
    return {"addSheet": {"properties": sheet.properties_json()}}


def _req_delete_sheet(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    sheet = ctx.sheet(req.get("sheetId"))
    if len(ctx.ss.sheets) == 1:
        raise ctx.error("You can't remove all the sheets in a document.")
    ctx.ss.sheets.remove(sheet)
    ctx.ss.reindex()


def _req_update_sheet_properties(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    props = req.get("properties") or {}
    sheet = ctx.sheet(props.get("sheetId"))
    paths = _field_paths(req.get("fields"))
    if not paths:
        raise ctx.error("At least one field must be updated. Specify '*' to update all fields.")
    grid = props.get("gridProperties") or {}
    if "*" in paths:
        paths = ["title", "index", "hidden"] + [f"gridProperties.{k}" for k in grid]
    for path in paths:
        if path == "title":
            title = props.get("title") or ""
            other = ctx.ss.find_sheet(title)
            if not title or (other is not None and other is not sheet):
                raise ctx.error(f'A sheet with the name "{title}" already exists. Please enter another name.')
            sheet.title = title
        elif path == "index":
            ctx.ss.sheets.remove(sheet)
            ctx.ss.sheets.insert(int(props.get("index", 0)), sheet)
            ctx.ss.reindex()
        elif path == "hidden":
            if props.get("hidden") and sum(not s.hidden for s in ctx.ss.sheets) == 1 and not sheet.hidden:
                raise ctx.error("You can't hide all sheets in a document.")
            sheet.hidden = bool(props.get("hidden", False))
        elif path == "gridProperties":
            paths.extend(f"gridProperties.{k}" for k in grid)
        elif path == "gridProperties.frozenRowCount":
            n = int(grid.get("frozenRowCount", 0))
            if n < 0 or n > sheet.row_count:
                raise ctx.error(f"Invalid frozenRowCount: {n}")
            sheet.frozen_rows = n
        elif path == "gridProperties.frozenColumnCount":
            n = int(grid.get("frozenColumnCount", 0))
            if n < 0 or n > sheet.col_count:
                raise ctx.error(f"Invalid frozenColumnCount: {n}")
            sheet.frozen_cols = n
        elif path == "gridProperties.rowCount":
            sheet.resize(rows=int(grid.get("rowCount", sheet.row_count)))
        elif path == "gridProperties.columnCount":
            sheet.resize(cols=int(grid.get("columnCount", sheet.col_count)))
        elif path.startswith("gridProperties.") or path in ("tabColor", "tabColorStyle", "rightToLeft"):
            continue  # accepted, not modelled (hideGridlines, rowGroupControlAfter, ...)
        else:
            raise ctx.error(f"Invalid field mask: {path}")


def _req_set_data_validation(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    rect = ctx.grid_range(req.get("range"))
    rule = req.get("rule")
    if rule is not None:
        condition = rule.get("condition") or {}
        if not condition.get("type"):
            raise ctx.error("rule.condition.type is required")
        if condition["type"] == "ONE_OF_LIST" and not condition.get("values"):
            raise ctx.error("ONE_OF_LIST condition requires at least one value")
    for r in range(rect.r0, rect.r1):
        for c in range(rect.c0, rect.c1):
            if rule is None:
                cell = rect.sheet.cell(r, c)
                if cell is not None:
                    cell.validation = None
            else:
                rect.sheet.ensure(r, c).validation = copy.deepcopy(rule)


def _req_add_conditional_format_rule(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    rule = copy.deepcopy(req.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ctx.error("At least one range must be specified.")
    sheets = {ctx.grid_range(gr).sheet.sheet_id for gr in ranges}
    if len(sheets) != 1:
        raise ctx.error("All ranges must be on the same sheet.")
    sheet = ctx.sheet(next(iter(sheets)))
    if "booleanRule" not in rule and "gradientRule" not in rule:
        raise ctx.error("A rule must have either a booleanRule or a gradientRule.")
    index = int(req.get("index", 0))
    sheet.conditional_formats.insert(max(0, min(index, len(sheet.conditional_formats))), rule)


def _req_delete_conditional_format_rule(ctx: _BatchContext, req: Mapping[str, Any]) -> dict[str, Any]:
    sheet = ctx.sheet(req.get("sheetId"))
    index = int(req.get("index", 0))
    if not 0 <= index < len(sheet.conditional_formats):
        raise ctx.error(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def _req_add_protected_range(ctx: _BatchContext, req: Mapping[str, Any]) -> dict[str, Any]:
    protected = copy.deepcopy(req.get("protectedRange") or {})
    rect = ctx.grid_range(protected.get("range"))
    protected.setdefault("range", {"sheetId": rect.sheet.sheet_id})
    protected["protectedRangeId"] = ctx.ss.new_object_id()
    # The caller (the service account) is always an editor of what it protects.
    protected["requestingUserCanEdit"] = True
    if not protected.get("warningOnly"):
        protected.setdefault("editors", {})
    rect.sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}


def _req_delete_protected_range(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    wanted = int(req.get("protectedRangeId", -1))
    for sheet in ctx.ss.sheets:
        for protected in sheet.protected_ranges:
            if protected.get("protectedRangeId") == wanted:
                sheet.protected_ranges.remove(protected)
                return
    raise ctx.error(f"No protected range with id: {wanted}")


def _dimension_range(ctx: _BatchContext, dr: Mapping[str, Any]) -> tuple[Sheet, str, int, int]:
    sheet = ctx.sheet(dr.get("sheetId"))
    dim = dr.get("dimension")
    if dim not in _DIMENSIONS:
        raise ctx.error("dimension must be ROWS or COLUMNS")
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = int(dr.get("startIndex", 0))
    end = int(dr.get("endIndex", size))
    if start < 0 or end < start:
        raise ctx.error("Invalid dimension range")
    return sheet, dim, start, end


def _req_append_dimension(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    sheet = ctx.sheet(req.get("sheetId"))
    length = int(req.get("length", 0))
    if length <= 0:
        raise ctx.error("length must be positive")
    if req.get("dimension") == "ROWS":
        sheet.row_count += length
    elif req.get("dimension") == "COLUMNS":
        sheet.col_count += length
    else:
        raise ctx.error("dimension must be ROWS or COLUMNS")


def _req_insert_dimension(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if start > size:
        raise ctx.error(f"Invalid range: startIndex {start} exceeds the grid size {size}")
    before = bool(req.get("inheritFromBefore", False))
    if before and start == 0:
        raise ctx.error("Cannot inherit from before the first row or column")
    # inheritFromBefore=false (the default) inherits from the row after.
    inherit = start - 1 if before else (start if start < size else None)
    if dim == "ROWS":
        sheet.insert_rows(start, end - start, inherit_from=inherit)
    else:
        sheet.insert_cols(start, end - start, inherit_from=inherit)


def _req_delete_dimension(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    sheet, dim, start, end = _dimension_range(ctx, req.get("range") or {})
    size = sheet.row_count if dim == "ROWS" else sheet.col_count
    if end > size:
        raise ctx.error(f"Invalid range: endIndex {end} exceeds the grid size {size}")
    if end - start >= size:
        noun = "rows" if dim == "ROWS" else "columns"
        raise ctx.error(f"You can't delete all the {noun} on the sheet.")
    if dim == "ROWS":
        sheet.delete_rows(start, end)
    else:
        sheet.delete_cols(start, end)


def _req_update_cells(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    paths = _field_paths(req.get("fields"))
    if not paths:
        raise ctx.error("At least one field must be updated. Specify '*' to update all fields.")
    rows = req.get("rows") or []
    if "start" in req:
        start = req["start"] or {}
        sheet = ctx.sheet(start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        height = len(rows)
        width = max((len(row.get("values") or []) for row in rows), default=0)
        if r0 + height > sheet.row_count or c0 + width > sheet.col_count:
            raise ctx.error(
                f"Range ({a1_range(sheet.title, r0, r0 + max(height, 1), c0, c0 + max(width, 1))}) exceeds "
                f"grid limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
            )
        rect = Rect(sheet, r0, r0 + height, c0, c0 + width)
        clear_rest = False
    else:
        rect = ctx.grid_range(req.get("range"))
        sheet = rect.sheet
        clear_rest = True  # with a range, cells not covered by rows are cleared
    for r in range(rect.r0, rect.r1):
        row_values = (rows[r - rect.r0].get("values") or []) if r - rect.r0 < len(rows) else []
        for c in range(rect.c0, rect.c1):
            j = c - rect.c0
            if j < len(row_values):
                data = row_values[j] or {}
            elif clear_rest:
                data = {}
            else:
                continue
            _apply_cell_data(lambda r=r, c=c: sheet.ensure(r, c), data, paths)


def _req_repeat_cell(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    paths = _field_paths(req.get("fields"))
    if not paths:
        raise ctx.error("At least one field must be updated. Specify '*' to update all fields.")
    rect = ctx.grid_range(req.get("range"))
    data = req.get("cell") or {}
    for r in range(rect.r0, rect.r1):
        for c in range(rect.c0, rect.c1):
            _apply_cell_data(lambda r=r, c=c: rect.sheet.ensure(r, c), data, paths)


def _req_set_basic_filter(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    flt = copy.deepcopy(req.get("filter") or {})
    rect = ctx.grid_range(flt.get("range"))
    rect.sheet.basic_filter = flt


def _req_clear_basic_filter(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    ctx.sheet(req.get("sheetId")).basic_filter = None


def _req_noop(ctx: _BatchContext, req: Mapping[str, Any]) -> None:
    """Accepted presentation-only requests (column widths, auto-resize...)."""
    return None


_BATCH_HANDLERS: dict[str, Callable[[_BatchContext, Mapping[str, Any]], dict[str, Any] | None]] = {
    "addSheet": _req_add_sheet,
    "deleteSheet": _req_delete_sheet,
    "updateSheetProperties": _req_update_sheet_properties,
    "setDataValidation": _req_set_data_validation,
    "addConditionalFormatRule": _req_add_conditional_format_rule,
    "deleteConditionalFormatRule": _req_delete_conditional_format_rule,
    "addProtectedRange": _req_add_protected_range,
    "deleteProtectedRange": _req_delete_protected_range,
    "appendDimension": _req_append_dimension,
    "insertDimension": _req_insert_dimension,
    "deleteDimension": _req_delete_dimension,
    "updateCells": _req_update_cells,
    "repeatCell": _req_repeat_cell,
    "setBasicFilter": _req_set_basic_filter,
    "clearBasicFilter": _req_clear_basic_filter,
    "updateDimensionProperties": _req_noop,
    "autoResizeDimensions": _req_noop,
}


def batch_update(ss: Spreadsheet, body: Any) -> dict[str, Any]:
    """spreadsheets.batchUpdate. Google: "if any request is not valid, the
    entire request will fail and nothing will be applied" — the caller runs
    this on a copy and only keeps it on success."""
    body = body or {}
    requests = body.get("requests")
    if not requests:
        raise _bad_request("Must specify at least one request.")
    replies: list[dict[str, Any]] = []
    for index, request in enumerate(requests):
        request = _strip_nulls(request or {})
        if len(request) != 1:
            raise _bad_request(f"Invalid requests[{index}]: exactly one kind of request must be set.")
        kind, payload = next(iter(request.items()))
        handler = _BATCH_HANDLERS.get(kind)
        if handler is None:
            raise _bad_request(
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{index}]': Cannot find field."
            )
        reply = handler(_BatchContext(ss, index, kind), payload or {})
        replies.append(reply or {})
    return {"spreadsheetId": ss.spreadsheet_id, "replies": replies}


# ---------------------------------------------------------------------------
# 6. Throwaway service-account key and the token endpoint
# ---------------------------------------------------------------------------

_KEY_LOCK = threading.Lock()
_KEY: tuple[rsa.RSAPrivateKey, str, str] | None = None  # (key, pem, key id)


def _throwaway_key() -> tuple[rsa.RSAPrivateKey, str, str]:
    """One RSA key per process (generation costs ~0.1 s)."""
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode("ascii")
            _KEY = (key, pem, secrets.token_hex(20))
        return _KEY


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class _Token:
    email: str
    scopes: frozenset[str]
    expires_at: float


class _TokenError(Exception):
    """OAuth errors have their own shape: {"error": "...", "error_description": "..."}."""

    def __init__(self, code: int, error: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.error = error
        self.description = description


_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_SHEETS_WRITE_SCOPES = frozenset(
    {
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.file",
    }
)
_SHEETS_READ_SCOPES = _SHEETS_WRITE_SCOPES | {
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive.readonly",
}


# ---------------------------------------------------------------------------
# 7. Drive v3 files.get: metadata, field selection and Drive's error JSON
# ---------------------------------------------------------------------------

_SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
_PROJECT_NUMBER = "123456789012"  # the Cloud project the fake's service account belongs to
# files.get is allowed for these scopes (Drive v3 reference, "Authorization
# scopes"); `spreadsheets` is not among them, so a token made for gspread alone
# cannot ask Drive. drive.file only sees files the app created or opened; the
# fake cannot know that and lets it see the register (documented deviation).
_DRIVE_METADATA_SCOPES = frozenset(
    "https://www.googleapis.com/auth/" + name
    for name in ("drive", "drive.readonly", "drive.metadata", "drive.metadata.readonly", "drive.file")
)
# Also allowed by files.get, but they only reach their own corner of Drive (the
# app data folder, photos, Meet recordings): Drive answers "File not found".
_DRIVE_NARROW_SCOPES = frozenset(
    "https://www.googleapis.com/auth/" + name
    for name in ("drive.appdata", "drive.photos.readonly", "drive.meet.readonly")
)
_DRIVE_DEFAULT_FIELDS = ("kind", "id", "name", "mimeType")  # v3 answers these when `fields` is absent
# Valid field names that Google leaves out for a Google Sheets file:
# headRevisionId is "only available for files with binary content in Google
# Drive"; checksums and originalFilename likewise; driveId only on shared drives.
_DRIVE_ABSENT_FIELDS = frozenset(
    "headRevisionId md5Checksum sha1Checksum sha256Checksum originalFilename fullFileExtension "
    "fileExtension driveId teamDriveId".split()
)
_DRIVE_FIELDS = frozenset(
    "kind id name mimeType version modifiedTime createdTime trashed webViewLink".split()
) | _DRIVE_ABSENT_FIELDS


class DriveError(SheetsError):
    """A Drive v3 failure: Google's JSON error plus the legacy ``errors`` list
    (``reason``/``domain``) that Drive still sends and clients still read."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        location: tuple[str, str] | None = None,
        legacy_message: str | None = None,
    ) -> None:
        super().__init__(code, message, status, details)
        item: dict[str, Any] = {"message": legacy_message or message, "domain": domain, "reason": reason}
        if location is not None:
            item["location"], item["locationType"] = location
        self.errors = [item]
        # Drive leaves "status" out of some errors (404, 400 field selection).
        self.has_status = status is not None or code in (401, 403, 429)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "errors": self.errors}
        if self.has_status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _drive_not_found(file_id: str) -> DriveError:
    # Drive does not tell "no such file" from "not shared with you".
    return DriveError(404, f"File not found: {file_id}.", "notFound", location=("fileId", "parameter"))


def _drive_unauthenticated() -> DriveError:
    return DriveError(
        401, _DEFAULT_MESSAGES[401], "authError", legacy_message="Invalid Credentials",
        location=("Authorization", "header"),
    )


def _drive_scope_error() -> DriveError:
    """What Drive answers a token without a Drive scope (e.g. only `spreadsheets`)."""
    return DriveError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        legacy_message="Insufficient Permission",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": "drive.googleapis.com", "method": "com.google.apps.drive.v3.DriveFiles.Get"},
            }
        ],
    )


def _drive_disabled() -> DriveError:
    """The 403 for a Cloud project where the Drive API is not enabled (a common
    set-up slip: enabling the Sheets API does not enable Drive)."""
    url = f"https://console.developers.google.com/apis/api/drive.googleapis.com/overview?project={_PROJECT_NUMBER}"
    message = (
        f"Google Drive API has not been used in project {_PROJECT_NUMBER} before or it is disabled. "
        f"Enable it by visiting {url} then retry. If you enabled this API recently, wait a few minutes "
        "for the action to propagate to our systems and retry."
    )
    error = DriveError(
        403,
        message,
        "accessNotConfigured",
        domain="usageLimits",
        status="PERMISSION_DENIED",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "drive.googleapis.com",
                    "serviceTitle": "Google Drive API",
                    "consumer": f"projects/{_PROJECT_NUMBER}",
                    "containerInfo": _PROJECT_NUMBER,
                    "activationUrl": url,
                },
            },
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Google developers console API activation", "url": url}],
            },
        ],
    )
    error.errors[0]["extendedHelp"] = "https://console.developers.google.com"
    return error


def _drive_error_for_status(code: int) -> DriveError:
    """An injected failure as Drive words it (quota 429 or a backend error)."""
    if code == 429:
        return DriveError(
            429,
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service "
            f"'drive.googleapis.com' for consumer 'project_number:{_PROJECT_NUMBER}'.",
            "rateLimitExceeded",
            domain="usageLimits",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {"service": "drive.googleapis.com", "consumer": f"projects/{_PROJECT_NUMBER}"},
                }
            ],
        )
    if code == 401:
        return _drive_unauthenticated()
    if code >= 500:
        return DriveError(code, _DEFAULT_MESSAGES.get(code, "Internal Error"), "backendError", status=_STATUS_NAMES.get(code))
    return DriveError(code, _DEFAULT_MESSAGES.get(code, "Unknown error."), "invalid", status=_STATUS_NAMES.get(code))


def _rfc3339_ms(ms: int) -> str:
    """Drive's timestamp form: UTC, milliseconds, "Z" (2024-05-01T02:03:04.567Z)."""
    moment = dt.datetime.fromtimestamp(ms // 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


@dataclass
class _DriveFile:
    """Drive's view of one spreadsheet: its name, creation time and every
    (version, modified-ms) it has had, so a lagging Drive can report an old one."""

    name: str
    created_ms: int
    history: list[tuple[int, int]]

    def changed(self, step: int = 1) -> None:
        version, last_ms = self.history[-1]
        # modifiedTime never goes backwards, even if the wall clock does.
        self.history.append((version + max(1, step), max(int(time.time() * 1000), last_ms)))

    def resource(self, file_id: str, lag: int) -> dict[str, Any]:
        version, modified_ms = self.history[max(0, len(self.history) - 1 - max(0, lag))]
        return {
            "kind": "drive#file",
            "id": file_id,
            "name": self.name,
            "mimeType": _SPREADSHEET_MIME,
            "version": str(version),  # int64 fields travel as JSON strings
            "modifiedTime": _rfc3339_ms(modified_ms),
            "createdTime": _rfc3339_ms(self.created_ms),
            "trashed": False,
            "webViewLink": f"https://docs.google.com/spreadsheets/d/{file_id}/edit?usp=drivesdk",
        }


def select_drive_fields(resource: Mapping[str, Any], fields: str | None) -> dict[str, Any]:
    """Apply a files.get ``fields`` mask ("version,modifiedTime", "*"); an
    unknown name is Drive's 400 "Invalid field selection"."""
    if fields is None or not fields.strip():
        names: Iterable[str] = _DRIVE_DEFAULT_FIELDS
    elif fields.strip() == "*":
        names = resource.keys()
    else:
        names = [name.strip() for name in fields.split(",") if name.strip()]
        for name in names:
            if name not in _DRIVE_FIELDS:
                raise DriveError(
                    400, f"Invalid field selection {name}", "invalidParameter", location=("fields", "parameter")
                )
    return {name: resource[name] for name in names if name in resource}


_STAFF_ACTION_ATTR = "_changes_the_file"


def _staff_action(method: Callable[..., None]) -> Callable[..., None]:
    """Mark a FakeSheetsAPI method as an edit of the spreadsheet named by its
    first argument: when it returns, Drive's ``version`` goes up (under the
    model lock, so a files.get never sees the new data with the old version)."""

    def wrapper(self: FakeSheetsAPI, spreadsheet_id: str, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            method(self, spreadsheet_id, *args, **kwargs)
            self._file_changed(spreadsheet_id)

    wrapper.__name__ = method.__name__
    wrapper.__qualname__ = method.__qualname__
    wrapper.__doc__ = method.__doc__
    setattr(wrapper, _STAFF_ACTION_ATTR, True)
    return wrapper


def is_staff_action(method: Any) -> bool:
    """Whether a FakeSheetsAPI method is marked as an edit that moves Drive's version."""
    return bool(getattr(method, _STAFF_ACTION_ATTR, False))


# ---------------------------------------------------------------------------
# 8. HTTP routing, fault injection and the public class
# ---------------------------------------------------------------------------


@dataclass
class RequestRecord:
    """One request the fake received (Sheets calls and token requests)."""

    method: str
    path: str  # URL-decoded path, e.g. "/v4/spreadsheets/ID/values/'Log'!A1:append"
    query: dict[str, str | list[str]]  # a key sent once -> str, repeated -> list
    json: Any  # the decoded JSON body, the token form as a dict, or None
    kind: str  # "read" | "write" | "drive" | "token"
    status: int | None = None  # the HTTP status answered (None while in flight)
    endpoint: str = ""  # "values.get", "values.append", "spreadsheets.batchUpdate", "drive.files.get", "token", ...
    spreadsheet_id: str | None = None  # for Drive: the fileId
    range: str | None = None  # decoded A1 range from the path, if any
    at: float = field(default_factory=time.monotonic)
    bytes_out: int = 0  # the answer's body as sent (JSON, pretty-printed unless prettyPrint=false)


@dataclass
class _FailRule:
    remaining: int
    status: int
    kinds: frozenset[str]


@dataclass
class _HangRule:
    remaining: int
    seconds: float
    after: bool
    kinds: frozenset[str]



@dataclass
class _Route:
    endpoint: str
    kind: str
    spreadsheet_id: str
    range: str | None = None


def _route(method: str, raw_rest: str) -> _Route:
    """Map the raw (still percent-encoded) path after /v4/spreadsheets/.

    Splitting before decoding keeps a "/" or ":" inside a sheet title (sent as
    %2F / %3A by gspread's quote(safe="")) from being taken as a separator.
    """
    segs = raw_rest.split("/")
    head = segs[0]
    if len(segs) == 1:
        if method == "POST" and head.endswith(":batchUpdate"):
            return _Route("spreadsheets.batchUpdate", "write", unquote(head[: -len(":batchUpdate")]))
        if method == "GET" and ":" not in head:
            return _Route("spreadsheets.get", "read", unquote(head))
    elif len(segs) == 2:
        sid = unquote(head)
        table = {
            ("GET", "values:batchGet"): ("values.batchGet", "read"),
            ("POST", "values:batchGetByDataFilter"): ("values.batchGetByDataFilter", "read"),
            ("POST", "values:batchUpdate"): ("values.batchUpdate", "write"),
            ("POST", "values:batchClear"): ("values.batchClear", "write"),
        }
        hit = table.get((method, segs[1]))
        if hit:
            return _Route(hit[0], hit[1], sid)
    if len(segs) >= 3 and segs[1] == "values":
        sid = unquote(head)
        raw_range = "/".join(segs[2:])
        if method == "POST" and raw_range.endswith(":append"):
            return _Route("values.append", "write", sid, unquote(raw_range[: -len(":append")]))
        if method == "POST" and raw_range.endswith(":clear"):
            return _Route("values.clear", "write", sid, unquote(raw_range[: -len(":clear")]))
        if method == "GET":
            return _Route("values.get", "read", sid, unquote(raw_range))
        if method == "PUT":
            return _Route("values.update", "write", sid, unquote(raw_range))
    raise SheetsError(404, "Method not found.")


def _json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=status,
        headers=dict(headers or {}),
        content_type="application/json; charset=UTF-8",
    )


class FakeSheetsAPI(LocalServer):
    """Fake Sheets API v4 + OAuth token endpoint on 127.0.0.1.

    Usage::

        with FakeSheetsAPI() as fake:
            fake.create_spreadsheet("sheet-1", {"Permohonan": [["Tiket", "Nama"]]})
            creds = Credentials.from_service_account_info(
                fake.service_account_info(), scopes=[".../auth/spreadsheets"])
            # point gspread's HTTPClient at fake.base_url ...

    Staff actions and inspection methods act on the model directly (no HTTP,
    not counted) and are thread-safe; 1-based rows/columns as in the UI.

    Counting: every Sheets request the fake receives counts once in
    ``reads`` (values.get, values.batchGet, values.batchGetByDataFilter,
    spreadsheets.get) or ``writes`` (values.update/append/clear/batchUpdate/
    batchClear, spreadsheets.batchUpdate), whatever its outcome (also 401s,
    injected failures and retries). Drive requests count only in
    ``drive_requests`` (kind "drive"), so a benchmark can print Sheets reads,
    Sheets writes and Drive requests apart. Token requests only count in
    ``tokens_issued`` (successful grants) and appear in ``requests`` with
    kind "token".

    Drive switches (plain attributes): ``drive_enabled = False`` answers every
    Drive request 403 accessNotConfigured; ``drive_lag = N`` makes files.get
    report ``version``/``modifiedTime`` as of N changes ago;
    ``drive_version_step = K`` makes each change add K to ``version``.
    """

    thread_name = "fake-sheets-api"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._tokens: dict[str, _Token] = {}
        self._emails: set[str] = set()
        self._stopping = threading.Event()
        # counters & log
        self.reads = 0
        self.writes = 0
        self.drive_requests = 0
        self.tokens_issued = 0
        # Drive v3 files.get
        self._files: dict[str, _DriveFile] = {}
        #: False: every Drive request gets 403 accessNotConfigured (API not enabled)
        self.drive_enabled = True
        #: N > 0: files.get reports the file as it was N changes ago (Drive lagging edits)
        self.drive_lag = 0
        #: how much ``version`` grows per change; a test can set 7 to prove the
        #: product does no arithmetic on it (Google's steps are not 1)
        self.drive_version_step = 1
        self.requests: list[RequestRecord] = []
        #: exceptions raised inside the fake or by a before_request callback
        #: (the request was answered 500); tests can assert it stays empty
        self.errors: list[BaseException] = []
        # fault injection
        self._fail_rules: list[_FailRule] = []
        self._applied_fail_rules: list[_FailRule] = []
        self._hang_rules: list[_HangRule] = []
        self._truncate = 0  # reads still to answer cut short (truncate_next)
        self._random_rate = 0.0
        self._random_statuses: tuple[int, ...] = (429, 500, 503)
        self._random: random.Random = random.Random(0)
        self._denied = False
        self._before: Callable[[RequestRecord], None] | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> FakeSheetsAPI:
        _throwaway_key()  # generate outside any request
        return super().start()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v4/spreadsheets`` (replaces gspread's prefix)."""
        return f"{self._origin()}/v4/spreadsheets"

    @property
    def drive_base_url(self) -> str:
        """``http://127.0.0.1:PORT/drive/v3`` (replaces :data:`DRIVE_PREFIX`)."""
        return f"{self._origin()}/drive/v3"

    @property
    def token_uri(self) -> str:
        return f"{self._origin()}/token"

    # -- credentials -----------------------------------------------------------
    def service_account_info(self, email: str = "pondok@desa-pondok.iam.gserviceaccount.com") -> dict[str, str]:
        """A complete service-account key JSON for ``email`` whose token_uri is
        this fake. The private key is a throwaway generated once per process."""
        _key, pem, key_id = _throwaway_key()
        with self._lock:
            self._emails.add(email)
        project = email.split("@", 1)[1].split(".", 1)[0] if "@" in email else "fake-project"
        return {
            "type": "service_account",
            "project_id": project,
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": str(100000000000000000000 + (hash(email) % 10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + quote(email, safe=""),
            "universe_domain": "googleapis.com",
        }

    def expire_tokens(self) -> None:
        """Invalidate every issued access token (as on expiry or revocation):
        the next Sheets call gets 401 and google-auth must fetch a new one."""
        with self._lock:
            self._tokens.clear()

    # -- spreadsheets & staff actions -------------------------------------------
    def create_spreadsheet(
        self,
        spreadsheet_id: str,
        tabs: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        title: str = "Register",
        *,
        locale: str = "id_ID",
        time_zone: str = "Asia/Jakarta",
        input_option: str = "USER_ENTERED",
    ) -> None:
        """Create a spreadsheet; ``tabs`` maps tab title -> initial rows (header
        first). Each tab is 1000x26 (grown to fit). Strings in the rows are
        entered as staff typing them (USER_ENTERED) unless ``input_option="RAW"``."""
        ss = Spreadsheet(spreadsheet_id, title, locale, time_zone)
        for tab, rows in (tabs or {"Sheet1": []}).items():
            self._new_tab(ss, tab, rows, input_option)
        now_ms = int(time.time() * 1000)
        with self._lock:
            self._spreadsheets[spreadsheet_id] = ss
            previous = self._files.get(spreadsheet_id)
            if previous is None:
                # A new file starts at a small version; only differences matter.
                self._files[spreadsheet_id] = _DriveFile(title, now_ms, [(1, now_ms)])
            else:
                # Re-creating an id replaces all its content: a change, and the
                # version must never go backwards for a client that saw it.
                previous.name = title
                previous.changed(self.drive_version_step)

    def _file_changed(self, spreadsheet_id: str) -> None:
        with self._lock:
            drive_file = self._files.get(spreadsheet_id)
            if drive_file is not None:
                drive_file.changed(self.drive_version_step)

    def drive_file(self, spreadsheet_id: str, fields: str = "*") -> dict[str, Any]:
        """The spreadsheet's true Drive metadata now (ignores ``drive_lag``; no
        HTTP, not counted), e.g. ``drive_file(SID)["version"]``."""
        with self._lock:
            return select_drive_fields(self._files[spreadsheet_id].resource(spreadsheet_id, 0), fields)

    def _new_tab(self, ss: Spreadsheet, title: str, rows: Sequence[Sequence[Any]] | None, input_option: str) -> Sheet:
        rows = rows or []
        height = max(_DEFAULT_ROWS, len(rows))
        width = max([_DEFAULT_COLS] + [len(r) for r in rows])
        sheet = ss.add_sheet(title, height, width)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                sheet.set_value(i, j, self._staff_value(ss, value, input_option))
        return sheet

    @staticmethod
    def _staff_value(ss: Spreadsheet, value: Any, input_option: str = "USER_ENTERED") -> CellValue:
        if isinstance(value, str):
            if input_option == "RAW":
                return value or None
            return parse_user_entered(value, ss.loc)
        if value is None or isinstance(value, (bool, int, float, Formula, DateTimeValue)):
            return value
        raise TypeError(f"unsupported cell value {value!r}")

    def _sheet(self, spreadsheet_id: str, tab: str) -> tuple[Spreadsheet, Sheet]:
        ss = self._spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r}")
        sheet = ss.find_sheet(tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in {spreadsheet_id!r}")
        return ss, sheet

    def tabs(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return [s.title for s in self._spreadsheets[spreadsheet_id].sheets]

    def values(self, spreadsheet_id: str, tab: str) -> list[list[str]]:
        """The tab as a FORMATTED_VALUE read returns it (trimmed, strings)."""
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, tab)
            rect = Rect(sheet, 0, sheet.row_count, 0, sheet.col_count)
            return read_rect(rect, "ROWS", FORMATTED, SERIAL_NUMBER, ss.loc)

    def raw_cell(self, spreadsheet_id: str, tab: str, row: int, col: int) -> CellValue:
        """The stored value (str/int/float/bool/Formula/DateTimeValue or None)."""
        with self._lock:
            _ss, sheet = self._sheet(spreadsheet_id, tab)
            return sheet.value(row - 1, col - 1)

    @_staff_action
    def set_cell(self, spreadsheet_id: str, tab: str, row: int, col: int, value: Any) -> None:
        """Staff typing into a cell: strings get USER_ENTERED parsing ("0812..."
        becomes a number, "=..." a formula); None or "" clears it."""
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, tab)
            if not (1 <= row <= sheet.row_count and 1 <= col <= sheet.col_count):
                raise IndexError(f"{a1_cell(row - 1, col - 1)} is outside the {sheet.row_count}x{sheet.col_count} grid")
            typed = "RAW" if is_plain_text(sheet.cell(row - 1, col - 1)) else "USER_ENTERED"
            sheet.set_value(row - 1, col - 1, self._staff_value(ss, value, typed))

    def number_format(self, spreadsheet_id: str, tab: str, row: int, col: int) -> str | None:
        """The numberFormat type of a cell (1-based), e.g. "TEXT", or None for Automatic."""
        with self._lock:
            _ss, sheet = self._sheet(spreadsheet_id, tab)
            cell = sheet.cell(row - 1, col - 1)
            return ((cell.fmt or {}).get("numberFormat") or {}).get("type") if cell else None

    @_staff_action
    def sort_rows(self, spreadsheet_id: str, tab: str, column: int, reverse: bool = False) -> None:
        """Sort rows 2..end by a 1-based column, like Data > Sort sheet with a
        header row: numbers before text (case-insensitive) before booleans,
        empty cells last in either direction; whole rows (with their format and
        validation) move."""
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, tab)
            c = column - 1

            def key(row: list[Cell | None]) -> tuple[int, Any]:
                cell = row[c] if c < len(row) else None
                value = cell.value if cell else None
                if isinstance(value, Formula):
                    value = evaluate_formula(value, ss.loc)
                if isinstance(value, DateTimeValue):
                    value = value.serial
                if isinstance(value, bool):
                    return (2, value)
                if isinstance(value, (int, float)):
                    return (0, value)
                return (1, str(value).casefold())

            body = sheet.grid[1:]
            filled = [row for row in body if c < len(row) and row[c] is not None and row[c].value is not None]  # type: ignore[union-attr]
            empty = [row for row in body if not (c < len(row) and row[c] is not None and row[c].value is not None)]  # type: ignore[union-attr]
            filled.sort(key=key, reverse=reverse)
            # keep fully blank rows where they are at the bottom of the content
            sheet.grid[1:] = filled + empty

    @_staff_action
    def insert_row(self, spreadsheet_id: str, tab: str, at: int, values: Sequence[Any] | None = None) -> None:
        """Insert a grid row before 1-based row ``at`` (rows below shift down),
        optionally typing ``values`` into it."""
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, tab)
            if not 1 <= at <= sheet.row_count + 1:
                raise IndexError(at)
            sheet.insert_rows(at - 1, 1, inherit_from=None)
            for j, value in enumerate(values or []):
                if j >= sheet.col_count:
                    sheet.insert_cols(sheet.col_count, 1, None)
                sheet.set_value(at - 1, j, self._staff_value(ss, value))

    @_staff_action
    def delete_row(self, spreadsheet_id: str, tab: str, at: int) -> None:
        with self._lock:
            _ss, sheet = self._sheet(spreadsheet_id, tab)
            if not 1 <= at <= sheet.row_count:
                raise IndexError(at)
            sheet.delete_rows(at - 1, at)

    @_staff_action
    def rename_header(self, spreadsheet_id: str, tab: str, old: str, new: str) -> None:
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, tab)
            row = sheet.grid[0] if sheet.grid else []
            for c, cell in enumerate(row):
                if cell is not None and render_value(cell.value, FORMATTED, SERIAL_NUMBER, ss.loc) == old:
                    cell.value = self._staff_value(ss, new)
                    return
            raise KeyError(f"no header {old!r} in {tab!r}")

    @_staff_action
    def add_tab(self, spreadsheet_id: str, title: str, rows: Sequence[Sequence[Any]] | None = None) -> None:
        with self._lock:
            ss = self._spreadsheets[spreadsheet_id]
            self._new_tab(ss, title, rows, "USER_ENTERED")

    @_staff_action
    def delete_tab(self, spreadsheet_id: str, title: str) -> None:
        with self._lock:
            ss, sheet = self._sheet(spreadsheet_id, title)
            ss.sheets.remove(sheet)
            ss.reindex()

    @_staff_action
    def resize(self, spreadsheet_id: str, tab: str, rows: int | None = None, cols: int | None = None) -> None:
        """Change the grid size (truncating data outside it), like staff
        deleting or adding rows at the bottom."""
        with self._lock:
            _ss, sheet = self._sheet(spreadsheet_id, tab)
            sheet.resize(rows, cols)

    def sheet_properties(self, spreadsheet_id: str, tab: str) -> dict[str, Any]:
        """``properties`` as spreadsheets.get returns it (gridProperties with
        rowCount, columnCount and frozenRowCount when non-zero)."""
        with self._lock:
            return self._sheet(spreadsheet_id, tab)[1].properties_json()

    def data_validation(self, spreadsheet_id: str, tab: str, row: int, col: int) -> dict[str, Any] | None:
        with self._lock:
            cell = self._sheet(spreadsheet_id, tab)[1].cell(row - 1, col - 1)
            return copy.deepcopy(cell.validation) if cell and cell.validation else None

    def conditional_formats(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, tab)[1].conditional_formats)

    def protected_ranges(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, tab)[1].protected_ranges)

    # -- counters ----------------------------------------------------------------
    def reset_counts(self) -> None:
        """Zero ``reads``/``writes``/``drive_requests``/``tokens_issued`` and clear ``requests``."""
        with self._lock:
            self.reads = self.writes = self.drive_requests = self.tokens_issued = 0
            self.requests.clear()

    # -- fault injection -----------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 429, kinds: Iterable[str] = ("read", "write")) -> None:
        """The next ``n`` requests of the given kinds ("read", "write", "drive",
        "token") fail with ``status`` (Google's error body; 429 carries the quota
        message; Drive's carries its ``errors`` list).
        The request is counted but not applied."""
        with self._lock:
            self._fail_rules.append(_FailRule(n, status, frozenset(kinds)))

    def fail_after_applying(self, n: int = 1, status: int = 503, kinds: Iterable[str] = ("write",)) -> None:
        """The next ``n`` Sheets requests of the given kinds are handled (a write
        IS applied) and then answered ``status`` with Google's error body, as
        when Google's backend wrote and its front end failed the answer. For a
        non-idempotent write (an append) this is the case that tempts a client
        to write it twice. Checked after the request succeeded; not for Drive
        or token requests."""
        with self._lock:
            self._applied_fail_rules.append(_FailRule(n, status, frozenset(kinds)))

    def fail_randomly(self, rate: float, statuses: Sequence[int] = (429, 500, 503), seed: int = 0) -> None:
        """Fail each Sheets or Drive request (not token requests) with probability
        ``rate``, the status drawn from ``statuses``; seeded, so a run is
        reproducible. ``rate=0`` disables it."""
        with self._lock:
            self._random_rate = rate
            self._random_statuses = tuple(statuses)
            self._random = random.Random(seed)

    def hang_next(
        self,
        n: int = 1,
        seconds: float = 3600,
        *,
        after: bool = False,
        kinds: Iterable[str] = ("read", "write"),
    ) -> None:
        """The next ``n`` requests of the given kinds sleep ``seconds`` in their
        server thread (other requests are served meanwhile).

        By default the request is handled when the sleep ends (so a write
        with a short hang still lands, late, after the client gave up); with
        ``after=True`` it is handled first and only the answer is delayed — a
        write that is applied although the client timed out. stop() ends all
        hangs at once: a request still waiting to be handled is then answered
        503 without being applied."""
        with self._lock:
            self._hang_rules.append(_HangRule(n, seconds, after, frozenset(kinds)))

    def stop_hanging(self) -> None:
        """Google answers again: forget every ``hang_next`` rule not used up yet. Requests
        already held stay held until their sleep or stop() ends (their clients gave up)."""
        with self._lock:
            self._hang_rules.clear()

    def truncate_next(self, n: int = 1) -> None:
        """The next ``n`` Sheets reads (GET) are handled, counted and answered with their body cut in
        half: the headers promise the whole ``Content-Length`` and the connection closes early, as when
        a mobile link drops mid-answer."""
        with self._lock:
            self._truncate += n

    def before_request(self, callback: Callable[[RequestRecord], None] | None) -> None:
        """Call ``callback(record)`` before each Sheets or Drive request is handled
        (after authentication and deny_access, before fault injection), in the
        request's server thread and outside the model lock — it may use staff
        actions, e.g. to edit the sheet between the product's read and its
        write. An exception in it answers the request 500 and is kept in
        ``errors``. ``None`` removes it."""
        with self._lock:
            self._before = callback

    def deny_access(self, denied: bool = True) -> None:
        """403 PERMISSION_DENIED on every Sheets call (sheet unshared); Drive
        then answers files.get 404 "File not found", as it does for a file the
        caller cannot see."""
        with self._lock:
            self._denied = denied

    # -- HTTP ------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(request.path)
        raw_path = raw.split("?", 1)[0]
        try:
            if raw_path == "/token":
                response = self._handle_token(request)
            elif raw_path.startswith("/v4/spreadsheets/"):
                response = self._handle_sheets(request, raw_path)
            elif raw_path.startswith("/drive/v3/"):
                response = self._handle_drive(request, raw_path)
            else:
                response = _json_response(SheetsError(404, "Method not found.").body(), 404)
        except Exception as exc:  # never let the fake answer with a bare HTML 500
            self.errors.append(exc)
            response = _json_response(SheetsError(500).body(), 500)
        if request.method == "GET" and raw_path.startswith("/v4/spreadsheets/") and self._take_truncate():
            body = response.get_data()
            start_response(response.status, list(response.headers.items()))  # the full Content-Length
            return [body[: len(body) // 2]]
        return response(environ, start_response)

    def _take_truncate(self) -> bool:
        with self._lock:
            if self._truncate <= 0:
                return False
            self._truncate -= 1
            return True

    def _record(self, request: Request, kind: str, route: _Route | None, body: Any) -> RequestRecord:
        query: dict[str, str | list[str]] = {
            k: (v[0] if len(v) == 1 else list(v)) for k, v in request.args.lists()
        }
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=query,
            json=body,
            kind=kind,
            endpoint=route.endpoint if route else "token",
            spreadsheet_id=route.spreadsheet_id if route else None,
            range=route.range if route else None,
        )
        with self._lock:
            self.requests.append(record)
            if kind == "read":
                self.reads += 1
            elif kind == "write":
                self.writes += 1
            elif kind == "drive":
                self.drive_requests += 1
        return record

    def _take_fault(self, kind: str) -> tuple[_HangRule | None, int | None]:
        with self._lock:
            hang = next((h for h in self._hang_rules if h.remaining > 0 and kind in h.kinds), None)
            if hang is not None:
                hang.remaining -= 1
                hang = copy.copy(hang)
            self._hang_rules = [h for h in self._hang_rules if h.remaining > 0]
            status: int | None = None
            rule = next((f for f in self._fail_rules if f.remaining > 0 and kind in f.kinds), None)
            if rule is not None:
                rule.remaining -= 1
                status = rule.status
            self._fail_rules = [f for f in self._fail_rules if f.remaining > 0]
            if status is None and kind != "token" and self._random_rate > 0:
                if self._random.random() < self._random_rate:
                    status = self._random.choice(self._random_statuses)
            return hang, status

    def _take_applied_failure(self, kind: str) -> int | None:
        with self._lock:
            rule = next((f for f in self._applied_fail_rules if f.remaining > 0 and kind in f.kinds), None)
            if rule is None:
                return None
            rule.remaining -= 1
            self._applied_fail_rules = [f for f in self._applied_fail_rules if f.remaining > 0]
            return rule.status

    def _finish(self, record: RequestRecord, response: Response) -> Response:
        record.status = response.status_code
        if record.query.get("prettyPrint") == "false" and response.mimetype == "application/json":
            # Google's system parameter (default true): without indentation and line breaks.
            compact = json.dumps(json.loads(response.get_data()), ensure_ascii=False, separators=(",", ":"))
            response.set_data(compact.encode())
        record.bytes_out = len(response.get_data())
        return response

    def _handle_sheets(self, request: Request, raw_path: str) -> Response:
        try:
            route: _Route | None = _route(request.method, raw_path[len("/v4/spreadsheets/"):])
            error: SheetsError | None = None
        except SheetsError as exc:
            route, error = None, exc
        body: Any = None
        body_error: SheetsError | None = None
        if request.get_data():
            try:
                body = json.loads(request.get_data(as_text=True))
            except ValueError:
                body_error = _bad_request("Invalid JSON payload received.")
        kind = route.kind if route else ("read" if request.method == "GET" else "write")
        record = self._record(request, kind, route, body)
        record.endpoint = route.endpoint if route else "unknown"
        if error is not None:
            return self._finish(record, _json_response(error.body(), error.code))

        # Authentication: a bearer token this fake issued and that is unexpired.
        auth_error = self._check_token(request, kind)
        if auth_error is not None:
            headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if auth_error.code == 401 else {}
            return self._finish(record, _json_response(auth_error.body(), auth_error.code, headers))
        with self._lock:
            denied, callback = self._denied, self._before
        if denied:
            return self._finish(record, _json_response(SheetsError(403).body(), 403))
        if callback is not None:
            try:
                callback(record)  # outside the lock: it may call staff actions
            except Exception as exc:
                self.errors.append(exc)
                return self._finish(record, _json_response(SheetsError(500).body(), 500))

        hang, status = self._take_fault(kind)
        if hang is not None and not hang.after:
            if self._stopping.wait(hang.seconds):
                return self._finish(record, _json_response(SheetsError(503).body(), 503))
        if status is not None:
            response = _json_response(_error_for_status(status, kind).body(), status)
        elif body_error is not None:
            response = _json_response(body_error.body(), 400)
        else:
            assert route is not None
            response = self._dispatch(route, request, body)
            applied_failure = self._take_applied_failure(kind) if response.status_code == 200 else None
            if applied_failure is not None:
                response = _json_response(_error_for_status(applied_failure, kind).body(), applied_failure)
        if hang is not None and hang.after:
            if self._stopping.wait(hang.seconds):
                return self._finish(record, _json_response(SheetsError(503).body(), 503))
        return self._finish(record, response)

    def _check_token(self, request: Request, kind: str) -> SheetsError | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        with self._lock:
            issued = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if issued is None or issued.expires_at <= time.time():
                return SheetsError(401)
            allowed = _SHEETS_READ_SCOPES if kind == "read" else _SHEETS_WRITE_SCOPES
            if not issued.scopes & allowed:
                return SheetsError(
                    403,
                    "Request had insufficient authentication scopes.",
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                            "domain": "googleapis.com",
                            "metadata": {"service": "sheets.googleapis.com"},
                        }
                    ],
                )
        return None

    def _dispatch(self, route: _Route, request: Request, body: Any) -> Response:
        params: dict[str, Any] = {k: (v[0] if len(v) == 1 else list(v)) for k, v in request.args.lists()}
        params["ranges"] = request.args.getlist("ranges")
        try:
            with self._lock:
                ss = self._spreadsheets.get(route.spreadsheet_id)
                if ss is None:
                    raise SheetsError(404)
                result = self._operate(ss, route, params, body)
        except SheetsError as exc:
            return _json_response(exc.body(), exc.code)
        return _json_response(result)

    def _operate(self, ss: Spreadsheet, route: _Route, params: dict[str, Any], body: Any) -> dict[str, Any]:
        endpoint = route.endpoint
        if endpoint == "values.get":
            return value_range_json(ss, route.range or "", params)
        if endpoint == "values.batchGet":
            ranges = params["ranges"]
            return {
                "spreadsheetId": ss.spreadsheet_id,
                "valueRanges": [value_range_json(ss, r, params) for r in ranges],
            }
        if endpoint == "values.batchGetByDataFilter":
            body = body or {}
            value_ranges = []
            for flt in body.get("dataFilters") or []:
                if "a1Range" not in flt:
                    raise _bad_request("Only a1Range data filters are supported by the fake.")
                value_ranges.append({"valueRange": value_range_json(ss, flt["a1Range"], body), "dataFilters": [flt]})
            return {"spreadsheetId": ss.spreadsheet_id, "valueRanges": value_ranges}
        if endpoint == "spreadsheets.get":
            return spreadsheet_json(ss, params)
        # Writes run on a copy that replaces the model only on success, so a
        # failing request (batchUpdate with one bad request, a block past the
        # grid...) changes nothing, as with Google.
        work = ss.clone()
        if endpoint == "values.update":
            result = values_update(work, route.range or "", params, body)
        elif endpoint == "values.append":
            result = values_append(work, route.range or "", params, body)
        elif endpoint == "values.batchUpdate":
            result = values_batch_update(work, body)
        elif endpoint == "values.clear":
            result = {"spreadsheetId": ss.spreadsheet_id, "clearedRange": values_clear(work, route.range or "")}
        elif endpoint == "values.batchClear":
            cleared = [values_clear(work, r) for r in (body or {}).get("ranges") or []]
            result = {"spreadsheetId": ss.spreadsheet_id, "clearedRanges": cleared}
        elif endpoint == "spreadsheets.batchUpdate":
            result = batch_update(work, body)
        else:  # pragma: no cover - _route only yields the endpoints above
            raise SheetsError(404, "Method not found.")
        self._spreadsheets[ss.spreadsheet_id] = work
        # Every applied write is a change Drive counts, even one that left the
        # values as they were ("every change made to the file on the server").
        self._file_changed(ss.spreadsheet_id)
        return result

    # -- Drive v3 ----------------------------------------------------------------------
    def _handle_drive(self, request: Request, raw_path: str) -> Response:
        """files.get, checked in the order Google does: token, API enabled in the
        project, scope, file visible to the caller, then the answer."""
        segs = raw_path[len("/drive/v3/"):].split("/")
        is_files_get = request.method == "GET" and len(segs) == 2 and segs[0] == "files" and segs[1] != ""
        file_id = unquote(segs[1]) if is_files_get else None
        route = _Route("drive.files.get" if is_files_get else "unknown", "drive", file_id or "")
        record = self._record(request, "drive", route, None)
        record.spreadsheet_id = file_id

        def answer(error: DriveError) -> Response:
            headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if error.code == 401 else {}
            return self._finish(record, _json_response(error.body(), error.code, headers))

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        with self._lock:
            issued = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            enabled, denied, callback = self.drive_enabled, self._denied, self._before
        if issued is None or issued.expires_at <= time.time():
            return answer(_drive_unauthenticated())
        if not enabled:
            return answer(_drive_disabled())
        if not issued.scopes & (_DRIVE_METADATA_SCOPES | _DRIVE_NARROW_SCOPES):
            return answer(_drive_scope_error())
        if file_id is None:
            return answer(DriveError(404, "Method not found.", "notFound"))
        if denied or not issued.scopes & _DRIVE_METADATA_SCOPES:
            return answer(_drive_not_found(file_id))
        if callback is not None:
            try:
                callback(record)  # outside the lock: it may call staff actions
            except Exception as exc:
                self.errors.append(exc)
                return answer(_drive_error_for_status(500))

        hang, status = self._take_fault("drive")
        if hang is not None and not hang.after and self._stopping.wait(hang.seconds):
            return answer(_drive_error_for_status(503))
        if status is not None:
            response = _json_response(_drive_error_for_status(status).body(), status)
        else:
            try:
                with self._lock:
                    drive_file = self._files.get(file_id)
                    if drive_file is None:
                        raise _drive_not_found(file_id)
                    # supportsAllDrives / supportsTeamDrives change nothing for a
                    # file in My Drive; they are accepted and ignored.
                    resource = drive_file.resource(file_id, self.drive_lag)
                fields = request.args.get("fields")
                response = _json_response(select_drive_fields(resource, fields))
            except DriveError as exc:
                response = _json_response(exc.body(), exc.code)
        if hang is not None and hang.after and self._stopping.wait(hang.seconds):
            return answer(_drive_error_for_status(503))
        return self._finish(record, response)

    # -- token endpoint ----------------------------------------------------------------
    def _handle_token(self, request: Request) -> Response:
        form = request.form.to_dict()
        record = self._record(request, "token", None, form)
        hang, status = self._take_fault("token")
        if hang is not None and self._stopping.wait(hang.seconds):
            return self._finish(record, _json_response({"error": "unavailable"}, 503))
        if status is not None:
            name = "internal_failure" if status >= 500 else "invalid_request"
            return self._finish(
                record, _json_response({"error": name, "error_description": "Injected failure"}, status)
            )
        if request.method != "POST":
            return self._finish(record, _json_response({"error": "invalid_request"}, 405))
        try:
            token, lifetime = self._grant(form)
        except _TokenError as exc:
            return self._finish(
                record, _json_response({"error": exc.error, "error_description": exc.description}, exc.code)
            )
        return self._finish(
            record,
            _json_response({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}),
        )

    def _grant(self, form: Mapping[str, str]) -> tuple[str, int]:
        """RFC 7523 JWT-bearer grant as Google's token endpoint checks it."""
        if form.get("grant_type") != _JWT_GRANT:
            raise _TokenError(400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
        assertion = form.get("assertion", "")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise _TokenError(400, "invalid_grant", "Invalid JWT: malformed assertion")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except ValueError:
            raise _TokenError(400, "invalid_grant", "Invalid JWT: malformed assertion") from None
        key, _pem, key_id = _throwaway_key()
        if header.get("alg") != "RS256":
            raise _TokenError(400, "invalid_grant", "Invalid JWT Signature.")
        if header.get("kid") not in (None, key_id):
            raise _TokenError(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            key.public_key().verify(
                signature, f"{parts[0]}.{parts[1]}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise _TokenError(400, "invalid_grant", "Invalid JWT Signature.") from None
        # google-auth always sends Google's token URI as aud (see
        # GOOGLE_TOKEN_URI); this fake's own URI is accepted as well.
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, self.token_uri):
            raise _TokenError(
                400, "invalid_grant", f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}"
            )
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)) or exp <= now or iat > now + 300 or exp - iat > 3600:
            raise _TokenError(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                "timeframe. Check your iat and exp values in the JWT claim.",
            )
        with self._lock:
            known = claims.get("iss") in self._emails
        if not known:
            raise _TokenError(400, "invalid_grant", "Invalid grant: account not found")
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            raise _TokenError(400, "invalid_scope", "Empty or missing scope not allowed.")
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        lifetime = 3600
        with self._lock:
            self._tokens[token] = _Token(str(claims["iss"]), scopes, now + lifetime)
            self.tokens_issued += 1
        return token, lifetime
