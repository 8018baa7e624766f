"""Ticket codes: short, random, easy to read aloud and to type on a phone."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from ..errors import TicketSpaceExhausted

# No 0/O, 1/I/L: the characters people confuse when reading a ticket off a screen.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 7  # 31**7 ≈ 2**34.7, above DESIGN's 30-bit floor
_MAX_TRIES = 100


def new_ticket(prefix: str, is_taken: Callable[[str], bool] = lambda ticket: False) -> str:
    """A fresh ticket like `PDK-7K3QM9X` for which `is_taken` says False."""
    for _ in range(_MAX_TRIES):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        ticket = f"{prefix}-{code}"
        if not is_taken(ticket):
            return ticket
    raise TicketSpaceExhausted(prefix)


def normalize_ticket(text: str, prefix: str) -> str:
    """The canonical form of a ticket a person typed: any case, spaces or a missing dash."""
    compact = re.sub(r"[^0-9A-Za-z]", "", str(text)).upper()
    prefix = prefix.upper()
    if compact.startswith(prefix) and len(compact) > len(prefix):
        return f"{prefix}-{compact[len(prefix):]}"
    return compact


def is_ticket_shaped(text: str, prefix: str) -> bool:
    """True if `text` (already normalised) looks like a ticket this office could have issued."""
    code = text[len(prefix) + 1:] if text.startswith(prefix.upper() + "-") else ""
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


def as_upper(text: str) -> str:
    """`text` in capitals; the same string when it already is (a read of 50,000 tickets copies none)."""
    upper = text.upper()
    return text if upper == text else upper


def all_upper(texts: list[str]) -> list[str]:
    """`as_upper` of each; the list itself when every one already is (checked in one pass in C)."""
    joined = "".join(texts)
    return texts if joined.upper() == joined else [as_upper(t) for t in texts]
