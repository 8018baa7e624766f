"""Tickets: unique, unambiguous, and found however a resident types them."""
from __future__ import annotations

import re

from pondok_sheets.register.tickets import ALPHABET, is_ticket_shaped, new_ticket, normalize_ticket


def test_100000_tickets_have_no_collision_and_no_ambiguous_character():
    issued: set[str] = set()
    for _ in range(100_000):
        issued.add(new_ticket("PDK", issued.__contains__))
    assert len(issued) == 100_000
    codes = "".join(t[4:] for t in issued)
    assert not set(codes) & set("01OIL")
    assert all(re.fullmatch(r"PDK-[2-9A-HJKMNP-Z]{7}", t) for t in issued)


def test_a_ticket_carries_at_least_30_bits_of_randomness():
    assert len(ALPHABET) ** 7 >= 2 ** 30


def test_a_taken_ticket_is_never_issued_again():
    first = new_ticket("PDK")
    calls = []

    def taken(ticket: str) -> bool:
        calls.append(ticket)
        return len(calls) == 1  # the first draw collides

    second = new_ticket("PDK", taken)
    assert len(calls) == 2 and second == calls[1] and first != "" 


def test_lookups_ignore_case_spaces_and_a_missing_dash():
    for typed in ["pdk-7k3qm9x", "PDK 7K3 QM9X", "pdk7k3qm9x", " PDK-7K3QM9X "]:
        assert normalize_ticket(typed, "PDK") == "PDK-7K3QM9X"
    assert is_ticket_shaped("PDK-7K3QM9X", "PDK")
    assert not is_ticket_shaped("PDK-7K3QM9", "PDK")
