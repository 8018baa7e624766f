"""Behaviour the mutation run (docs/mutation-testing.md) found no test for: each test here kills a mutant.

The mutant each test was written against is named in its docstring, so a rerun can check that
it still does. Most run on the local register only: they are about the rules, not the store.
"""
from __future__ import annotations

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel

from .conftest import VALID, at

local_only = pytest.mark.parametrize("store_kind", ["local"])


def outbox_for(office, ticket: str) -> list[str]:
    return [text for _, _, _, t, text in office.state.outbox.latest(1000) if t == ticket]


# -- walk-in rows --------------------------------------------------------------------------

@local_only
def test_a_walk_in_row_gets_a_ticket_whichever_single_cell_staff_typed(office, staff):
    """changes.is_walkin: `or` turned into `and` (mutants 4, 5, 6)."""
    typed = [{"Nama": "Pak Darto"}, {"Layanan": "SKD"}, {"WhatsApp": "0813-1111-2222"},
             {"NIK": "3201010101700001"}]
    for cells in typed:
        staff.add_row(cells)
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.walkins == 4
    rows = staff.rows()
    assert all(r["Tiket"].startswith("PDK-") for r in rows)
    assert len({r["Tiket"] for r in rows}) == 4


@pytest.mark.parametrize("store_kind", ["google"])
def test_a_walk_in_sorted_above_its_look_alike_between_read_and_write_gets_its_own_ticket(
        office, staff, sheets_api):
    """changes.walkin_key: the empty-Tiket condition dropped (mutant 2) or every cell dropped (mutant 19).

    The resident filed by form and staff also typed them at the counter. Staff sort by Tiket
    while the service writes: the ticket must land in the walk-in row, never over the
    ticket of the look-alike row now sitting where the walk-in was read.
    """
    filed = submit(office, "SKD", {**VALID, "nama": "Pak Darto", "nik": "3201010101700001",
                                   "wa": "0813-1111-2222"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.add_row({"Nama": "Pak Darto", "NIK": "3201010101700001", "WhatsApp": "0813-1111-2222",
                   "Layanan": "Surat Keterangan Domisili"})
    reads = []

    def sort_after_the_read(record):
        if record.kind == "read":
            reads.append(record)
            if len(reads) == 2:  # the service has read and now re-reads to write: staff sort first
                staff.sort("Tiket")

    sheets_api.before_request(sort_after_the_read)
    try:
        report = sync(office, at("2026-11-27 09:05"))
    finally:
        sheets_api.before_request(None)
    assert report.ok and report.walkins == 1 and report.unplaced == 0
    tickets = [r["Tiket"] for r in staff.rows()]
    assert filed in tickets and len(set(tickets)) == 2 and "" not in tickets
    assert staff.row(filed)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"


@local_only
@pytest.mark.xfail(strict=True, reason="issue 11: two identical walk-in rows both get the same ticket "
                                       "(same fingerprint, each written at its own row number)")
def test_two_identical_walk_in_rows_never_end_up_sharing_one_ticket(office, staff):
    """changes.walkin_key / table.locate: without the row-number hint (mutants 18, 20) neither row is written."""
    row = {"Nama": "Pak Darto", "NIK": "3201010101700001", "WhatsApp": "0813-1111-2222", "Layanan": "SKD"}
    staff.add_row(row)
    staff.add_row(row)  # staff pasted the row twice
    sync(office, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:05"))
    tickets = [r["Tiket"] for r in staff.rows() if r["Tiket"]]
    assert len(tickets) == len(set(tickets))
