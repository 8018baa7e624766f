"""Behaviour the mutation run (docs/mutation-testing.md) found no test for: each test here kills a mutant.

The mutant each test was written against is named in its docstring, so a rerun can check that
it still does. Most run on the local register only: they are about the rules, not the store.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.changes import Due
from pondok_sheets.register.model import Channel, Request, Status
from pondok_sheets.register.plan import reminders, schedule
from pondok_sheets.register.timing import in_quiet_hours, reminded_text, reminder_due
from pondok_sheets.register.validation import parse_phone

from .conftest import JAKARTA, VALID, at
from .test_flush import Passthrough

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
def test_two_identical_walk_in_rows_never_end_up_sharing_one_ticket(office, staff):
    """changes.walkin_key / table.locate: the row-number hint dropped (mutants 18, 20; read_requests 6).

    Found by this run as a real bug (both rows were given the same ticket), fixed on main meanwhile:
    neither row gets a ticket until staff make them differ.
    """
    row = {"Nama": "Pak Darto", "NIK": "3201010101700001", "WhatsApp": "0813-1111-2222", "Layanan": "SKD"}
    staff.add_row(row)
    staff.add_row(row)  # staff pasted the row twice
    sync(office, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:05"))
    tickets = [r["Tiket"] for r in staff.rows() if r["Tiket"]]
    assert len(tickets) == len(set(tickets))


# -- who is told in one sync ---------------------------------------------------------------

@local_only
def test_rows_above_that_need_no_message_never_hold_back_a_change_below(office, staff):
    """changes.due_announcements: `continue` turned into `break` (mutants 6, 14, 26), and a cleared
    Status read as an unknown one (mutant 3)."""
    a, b, c, d = (submit(office, "SKD", {**VALID, "nama": name, "wa": f"0813-5555-000{i}"}, Channel.FORM)
                  for i, name in enumerate(["Ani", "Budi", "Citra", "Dodi"]))
    sync(office, at("2026-11-27 09:00"))
    staff.set(a, "Status", "")  # staff cleared the cell
    staff.set(b, "Status", "Selesaii")  # a typo: pointed out, nothing sent
    staff.set(c, "WhatsApp", "022-7654321")
    staff.set(c, "Status", "Diproses")
    sync(office, at("2026-11-27 09:05"))
    assert staff.row(c)["Notifikasi"] == "Diproses · tidak terkirim: nomor WA tidak valid"
    staff.set(d, "Status", "Diproses")
    report = sync(office, at("2026-11-27 09:10"))
    assert report.ok and report.sent == 1
    assert staff.row(d)["Notifikasi"] == "Diproses · dikabari 2026-11-27 09:10"
    assert "sedang diproses" in outbox_for(office, d)[-1]
    assert staff.row(a)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"  # a blank Status is no typo
    assert len(outbox_for(office, a)) == 1


# -- when: quiet hours, the run's budget, pickup reminders (pure rules) ---------------------

NIGHT = (time(21), time(7))
PHONE = parse_phone("0813-5555-0001")


def ready_letter(ticket: str, notified: str, whatsapp: str = "0813-5555-0001") -> Request:
    return Request(ticket, status="Siap Diambil", whatsapp=whatsapp, notified=notified)


def test_quiet_hours_begin_on_the_minute_and_end_on_the_minute():
    """timing.in_quiet_hours: `>=` turned into `>` at the start of a range over midnight (mutant 8)."""
    assert in_quiet_hours(at("2026-11-27 21:00"), NIGHT)
    assert not in_quiet_hours(at("2026-11-27 20:59"), NIGHT)
    assert not in_quiet_hours(at("2026-11-27 07:00"), NIGHT)


def test_quiet_hours_within_one_day_hold_only_that_stretch():
    """timing.in_quiet_hours: a range like 12:00-13:00 read as crossing midnight (mutants 6, 10),
    or its edges moved (mutants 11, 12)."""
    lunch = (time(12), time(13))
    assert [in_quiet_hours(at(f"2026-11-27 {hhmm}"), lunch) for hhmm in ["11:59", "12:00", "12:30", "13:00", "14:00"]] \
        == [False, True, True, False, False]
    assert not in_quiet_hours(at("2026-11-27 07:00"), (time(7), time(7)))  # an empty range holds nothing


def test_a_confirmation_goes_before_older_changes_when_the_run_is_short_of_budget():
    """plan.schedule: a fresh confirmation put last instead of first in line (mutant 11)."""
    old = Due(Request("PDK-AAAAAAA", status="Diproses"), Status.DIPROSES, PHONE)
    new = Due(Request("PDK-BBBBBBB", status="Baru"), Status.BARU, PHONE)
    since = {"PDK-AAAAAAA": ("Diproses", "2026-11-20 09:00")}
    chosen = schedule([old, new], {"PDK-BBBBBBB"}, since, at("2026-11-27 09:00"), JAKARTA, 0, None, max_sends=1)
    assert [d.request.ticket for d in chosen.ready] == ["PDK-BBBBBBB"] and chosen.waiting == 1


def test_no_pickup_reminder_goes_out_during_quiet_hours():
    """plan.reminders: quiet hours ignored (mutant 2)."""
    letter = ready_letter("PDK-AAAAAAA", "Siap Diambil · dikabari 2026-11-02 09:00")
    assert reminders([letter], at("2026-11-27 22:00"), NIGHT, set()) == []
    assert reminders([letter], at("2026-11-28 08:00"), NIGHT, set()) == [(letter, 1)]


def test_a_row_told_something_else_this_cycle_does_not_stop_reminders_for_the_rows_below():
    """plan.reminders: `continue` turned into `break` for a row already told this cycle (mutant 7)."""
    told_now = ready_letter("PDK-AAAAAAA", "Siap Diambil · dikabari 2026-11-02 09:00")
    waiting = ready_letter("PDK-BBBBBBB", "Siap Diambil · dikabari 2026-11-02 09:00")
    assert reminders([told_now, waiting], at("2026-11-27 10:00"), NIGHT, {"PDK-AAAAAAA"}) == [(waiting, 1)]


@pytest.mark.parametrize("notified", [
    "Siap Diambil · data lama, tidak dikabari",  # ready before the service was installed
    "Siap Diambil · tidak terkirim: nomor WA tidak valid",
    "Diproses · dikabari 2026-11-02 09:00",  # not yet told that the letter is ready
    "Siap Diambil · dikabari 2026-13-45 09:00",  # a time nobody could have written
])
def test_no_pickup_reminder_for_a_resident_never_told_the_letter_is_ready(notified):
    """timing.reminder_due: `or` turned into `and` (mutants 8, 9), or an unreadable time taken as due (mutant 29)."""
    assert reminder_due(ready_letter("PDK-AAAAAAA", notified), at("2026-11-27 10:00")) == 0


def test_the_second_reminder_leaves_the_notifikasi_cell_as_staff_read_it():
    """timing.reminded_text: the old 'pengingat 1' and its separator not cleaned away (mutants 2, 3, 8)."""
    first = reminded_text("Siap Diambil · dikabari 2026-11-02 09:00", 1)
    assert first == "Siap Diambil · dikabari 2026-11-02 09:00 · pengingat 1"
    assert reminded_text(first, 2) == "Siap Diambil · dikabari 2026-11-02 09:00 · pengingat 2"


# -- the announcer: a reminder is sent once, whatever becomes of the write -------------------

class LosesCellWrites(Passthrough):
    """A register whose cell writes never land this once (a lost batchUpdate answer)."""

    def update_many(self, writes):
        return [w for tab_writes in writes.values() for w in tab_writes]


@local_only
def test_a_pickup_reminder_whose_notifikasi_write_was_lost_is_not_sent_again(office, staff):
    """Announcer.remind: the ledger not asked (mutants 2-5, 11, 12) or its answer not passed on as
    already told (mutants 13-17)."""
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-20 09:00"))  # a Friday
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-20 10:00"))
    sync(replace(office, store=LosesCellWrites(office.store)), at("2026-11-25 09:00"))  # 3 working days
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-20 10:00"  # the write was lost
    report = sync(office, at("2026-11-25 09:10"))
    assert report.ok and report.sent == 0
    reminders = [t for _, _, kind, t, _ in office.state.outbox.latest(1000) if kind == "pengingat"]
    assert reminders == [ticket]
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-20 10:00 · pengingat 1"
