"""The intake queue drains into the register exactly once, even when the process dies mid-way."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.state import State
from pondok_sheets.register.model import TABS
from pondok_sheets.stores.base import TableStore

from .conftest import VALID, at
from pondok_sheets.flow.catalogue import lookup
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing after it runs."""


class Passthrough(TableStore):
    """The real register (local or Google) seen through a wrapper that can add behaviour."""

    def __init__(self, inner: TableStore):
        self.inner = inner

    def read(self, tabs, headers_only=()):
        return self.inner.read(tabs, headers_only)

    def append(self, tab, rows):
        self.inner.append(tab, rows)

    def update_many(self, writes):
        return self.inner.update_many(writes)

    def delete_rows(self, tab, keys):
        return self.inner.delete_rows(tab, keys)

    def tab_names(self):
        return self.inner.tab_names()

    def prepare(self, specs=TABS):
        return self.inner.prepare(specs)


class DiesAfterAppend(Passthrough):
    """A register whose process dies right after the rows are appended, before any bookkeeping."""

    def append(self, tab, rows):
        super().append(tab, rows)
        if tab == "Permohonan":
            raise ProcessDied


def restart(settings) -> Office:
    """A fresh process on the same data folder."""
    return Office.open(settings)


def test_a_crash_between_append_and_bookkeeping_never_duplicates_a_row(office, settings, staff):
    tickets = [submit(office, "SKD", VALID, Channel.FORM) for _ in range(3)]
    dying = replace(office, store=DiesAfterAppend(office.store))
    with pytest.raises(ProcessDied):
        sync(dying, at("2026-11-27 09:00"))
    assert len(office.state.queue.pending()) == 3  # the bookkeeping never happened

    report = sync(restart(settings), at("2026-11-27 09:02"))
    assert report.ok and report.flushed == 0
    assert sorted(r["Tiket"] for r in staff.rows()) == sorted(tickets)
    assert restart(settings).state.queue.pending() == []


def test_a_crash_never_sends_a_confirmation_twice(office, settings, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    dying = replace(office, store=DiesAfterAppend(office.store))
    with pytest.raises(ProcessDied):
        sync(dying, at("2026-11-27 09:00"))
    again = restart(settings)
    sync(again, at("2026-11-27 09:02"))
    sync(again, at("2026-11-27 09:04"))
    assert [t for _, _, _, t, _ in again.state.outbox.latest()].count(ticket) == 1
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"


def test_queued_submissions_survive_a_restart_before_any_flush(office, settings, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    assert staff.rows() == []
    sync(restart(settings), at("2026-11-27 09:00"))
    assert [r["Tiket"] for r in staff.rows()] == [ticket]


def test_a_burst_is_flushed_in_one_append(office, settings, staff):
    appends = []

    class CountingStore(Passthrough):
        def append(self, tab, rows):
            appends.append((tab, len(rows)))
            super().append(tab, rows)

    for _ in range(50):
        submit(office, "SKD", VALID, Channel.FORM)
    counted = replace(office, store=CountingStore(office.store))
    sync(counted, at("2026-11-27 09:00"))
    assert appends == [("Permohonan", 50), ("Log", 50)]
    assert len(staff.rows()) == 50


def test_flushed_queue_entries_keep_no_personal_data(office, settings):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    state = State(settings.data_dir / "state.sqlite3", "test-secret")
    assert state.queue.queued(ticket).row == {}
    files = list(settings.data_dir.glob("state.sqlite3*"))
    assert files and all(b"3201014507900001" not in f.read_bytes() for f in files)


def test_the_receipt_works_before_the_row_reaches_the_register(office):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    found = lookup(office, ticket)
    assert (found.ticket, found.status, found.service) == (ticket, "Baru", "Surat Keterangan Domisili")
