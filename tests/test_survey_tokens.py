"""Survey answer links: personal, unguessable, checkable after local state is lost, refused when forged."""
from __future__ import annotations

import re

from pondok_sheets.register.survey_tokens import (
    ticket_from_token,
    ticket_hash,
    token_for,
)

SECRET = "s3cr3t-of-desa-pondok"
OTHER = "secret-of-desa-sukamaju"


def test_a_token_leads_back_to_its_ticket_with_only_the_secret():
    token = token_for(SECRET, "PDK-7K3QM9X")
    assert re.fullmatch(r"[A-Za-z0-9_-]{23}", token)  # URL-safe, no padding, no encoding needed in a link
    assert token == token_for(SECRET, "pdk-7k3qm9x")  # recomputed the same after a redeploy
    assert ticket_from_token(SECRET, "PDK", token) == "PDK-7K3QM9X"


def test_a_forged_or_altered_token_is_refused():
    token = token_for(SECRET, "PDK-7K3QM9X")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_ticket = "7K3QM9Y" + token[7:]
    for bad in (flipped, other_ticket, token[:-1], token + "x", "", "7K3QM9X", "../../etc/passwd"):
        assert ticket_from_token(SECRET, "PDK", bad) is None


def test_another_offices_token_is_refused():
    theirs = token_for(OTHER, "PDK-7K3QM9X")
    assert ticket_from_token(SECRET, "PDK", theirs) is None
    same_secret_other_prefix = token_for(SECRET, "SKM-7K3QM9X")
    assert ticket_from_token(SECRET, "PDK", same_secret_other_prefix) is None
    assert ticket_from_token(SECRET, "skm", same_secret_other_prefix) == "SKM-7K3QM9X"  # its own office accepts it


def test_the_survei_tab_stores_a_stable_hash_that_is_neither_the_ticket_nor_a_token():
    stored = ticket_hash(SECRET, "PDK-7K3QM9X")
    assert re.fullmatch(r"[0-9a-f]{16}", stored)
    assert stored == ticket_hash(SECRET, "pdk-7k3qm9x")
    assert "7K3QM9X" not in stored.upper()
    assert stored != ticket_hash(OTHER, "PDK-7K3QM9X") != ticket_hash(SECRET, "PDK-7K3QM9Y")
    assert ticket_from_token(SECRET, "PDK", "7K3QM9X" + stored) is None
