"""A sync looks again only at rows that changed or still need something (issue 16), and never leaves one stale.

The public pages read the snapshot, /verifikasi the letters index, CEK the contacts; each is now
rebuilt only for rows whose fingerprint moved. A row the last sync found needing nothing, and
unchanged since, is skipped outright. These tests force every way a row can change under that
shortcut, and every way a row can still need work without changing, and look at what a resident
or staff member would see.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from pondok_sheets import create_app
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel
from pondok_sheets.state import row_marks
from pondok_sheets.state.db import Database
from pondok_sheets.state.row_marks import RowMarks

from .conftest import VALID, at
from .fakes.graph_api import FakeGraphAPI
from .test_letter_web import bad_template
from .test_whatsapp_traffic import RESIDENT, cloud, post, wa_api  # noqa: F401  (fixtures)

NOW = at("2026-11-27 09:00")
OTHER = {**VALID, "nama": "Budi Santoso", "nik": "3201010203850002", "wa": "0813-5555-0000"}


def page(client, ticket):
    return client.get(f"/tiket/{ticket}").get_data(as_text=True)


def test_an_edited_row_shows_on_its_page_and_the_others_keep_theirs(client, office, staff):
    siti, budi = (submit(office, "SKD", fields, Channel.FORM, NOW) for fields in (VALID, OTHER))
    sync(office, NOW)
    staff.set(budi, "Status", "Diproses")
    sync(office, NOW + timedelta(minutes=5))
    assert 'class="status proses"' in page(client, budi) and 'class="status baru"' in page(client, siti)
    staff.set(budi, "Status", "Perlu Dilengkapi")  # and back the other way, twice in a row
    staff.set(siti, "Status", "Ditolak")
    sync(office, NOW + timedelta(minutes=10))
    assert 'class="status lengkapi"' in page(client, budi) and 'class="status tolak"' in page(client, siti)
    sync(office, NOW + timedelta(minutes=15))  # nothing changed: everything stays as it is
    assert 'class="status lengkapi"' in page(client, budi) and 'class="status tolak"' in page(client, siti)


def test_a_renamed_service_renames_every_ticket_page_though_no_row_changed(client, office, staff):
    tickets = [submit(office, "SKD", fields, Channel.FORM, NOW) for fields in (VALID, OTHER)]
    sync(office, NOW)
    for ticket in tickets:
        staff.set(ticket, "Layanan", "SKD")  # staff typed the code: pages show the catalogue's name for it
    sync(office, NOW + timedelta(minutes=5))
    assert all("Surat Keterangan Domisili</" in page(client, t) for t in tickets)
    staff.set_where("Layanan", "Kode", "SKD", "Layanan", "Surat Keterangan Domisili Penduduk")
    sync(office, NOW + timedelta(minutes=10))
    for ticket in tickets:
        assert "Surat Keterangan Domisili Penduduk" in page(client, ticket)


def test_a_deleted_row_leaves_the_public_pages(client, office, staff):
    siti, budi = (submit(office, "SKD", fields, Channel.FORM, NOW) for fields in (VALID, OTHER))
    sync(office, NOW)
    row = next(i for i, r in enumerate(staff.rows(), start=2) if r["Tiket"] == siti)
    staff.delete_row(row)
    sync(office, NOW + timedelta(minutes=5))
    assert client.get(f"/tiket/{siti}").status_code == 404
    assert client.get(f"/tiket/{budi}").status_code == 200


def test_a_deleted_row_put_back_as_it_was_returns_to_the_public_pages(client, office, staff):
    siti, budi = (submit(office, "SKD", fields, Channel.FORM, NOW) for fields in (VALID, OTHER))
    sync(office, NOW)
    sync(office, NOW + timedelta(minutes=2))  # the receipts are noted: both rows now need nothing
    row = next(i for i, r in enumerate(staff.rows(), start=2) if r["Tiket"] == siti)
    kept = staff.row(siti)
    staff.delete_row(row)
    sync(office, NOW + timedelta(minutes=5))
    assert client.get(f"/tiket/{siti}").status_code == 404
    staff.add_row(kept)  # staff undo the deletion: the row is back, every cell as it was
    sync(office, NOW + timedelta(minutes=10))
    assert client.get(f"/tiket/{siti}").status_code == 200 and 'class="status baru"' in page(client, siti)


def test_an_exact_copy_of_a_row_that_needs_nothing_is_still_reported_on_two_rows(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    sync(office, NOW + timedelta(minutes=2))  # the row needs nothing now: its fingerprint is kept
    staff.add_row(staff.row(ticket))  # pasted once more, every cell the same: the same fingerprint
    report = sync(office, NOW + timedelta(minutes=5))
    assert any(f"Tiket {ticket} ada di 2 baris (baris 2, 3)" in w for w in report.warnings)


def test_a_lost_fingerprint_table_only_makes_one_sync_redo_every_row(client, office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    with office.state.db.connect() as db:  # as if the table were lost, and the snapshot with it
        db.execute("DELETE FROM row_marks")  # the kept fingerprints
        db.execute("DELETE FROM snapshot")
    assert client.get(f"/tiket/{ticket}").status_code == 404
    sync(office, NOW + timedelta(minutes=20))  # the next full read (at least every PONDOK_FULL_READ_MINUTES)
    assert client.get(f"/tiket/{ticket}").status_code == 200 and 'class="status baru"' in page(client, ticket)


def test_a_change_held_by_the_settle_delay_goes_out_when_it_ends_though_the_row_never_changed(settings, staff,
                                                                                              clock):
    # Every sync reads in full, so the row is seen unchanged again and again while it waits.
    office = create_app(dataclasses.replace(settings, settle_minutes=30, full_read_minutes=1), {"TESTING": True},
                        clock=clock).extensions["pondok"]
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    staff.set(ticket, "Status", "Diproses")
    for minutes in (2, 10, 20):
        assert sync(office, NOW + timedelta(minutes=minutes)).sent == 0
    assert staff.row(ticket)["Notifikasi"].startswith("Baru · dikabari")
    assert sync(office, NOW + timedelta(minutes=40)).sent == 1
    assert staff.row(ticket)["Notifikasi"].startswith("Diproses · dikabari")
    assert sync(office, NOW + timedelta(minutes=60)).sent == 0


def test_a_change_undone_while_its_message_waits_shows_the_row_as_it_is_again(settings, staff, clock):
    app = create_app(dataclasses.replace(settings, settle_minutes=30, full_read_minutes=1), {"TESTING": True},
                     clock=clock)
    office, client = app.extensions["pondok"], app.test_client()
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    sync(office, NOW + timedelta(minutes=2))  # the receipt is noted: the row needs nothing, its fingerprint kept
    staff.set(ticket, "Status", "Ditolak")  # a slip of the hand
    assert sync(office, NOW + timedelta(minutes=5)).sent == 0  # the message waits out the settle delay
    assert 'class="status tolak"' in page(client, ticket)
    staff.set(ticket, "Status", "Baru")  # undone: every cell is as it was when the fingerprint was kept
    sync(office, NOW + timedelta(minutes=8))
    assert 'class="status baru"' in page(client, ticket)


def test_a_letter_refused_for_a_bad_template_is_drafted_once_it_is_fixed_though_the_row_never_changed(
        office, staff, settings):
    bad_template(settings.templates_dir)
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    staff.set(ticket, "Status", "Diproses")
    for minutes in (5, 25, 45):  # refused, and the row then sits as it is
        assert "nama_ibu_kandung" in sync(office, NOW + timedelta(minutes=minutes)).summary()
    assert staff.row(ticket)["Nomor Surat"] == ""
    (settings.templates_dir / "SKD.docx").unlink()  # staff put the built-in template back
    sync(office, NOW + timedelta(minutes=65))
    assert staff.row(ticket)["Nomor Surat"].startswith("470/001/")


def test_a_delivery_reported_failed_for_a_row_seen_unchanged_still_reaches_its_notifikasi(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Perlu Dilengkapi")
    wa_api.fail_for(RESIDENT, 131026, asynchronous=True)  # Meta accepts, then reports it undeliverable
    sync(office, at("2026-11-27 10:00"))
    sync(office, at("2026-11-27 10:20"))  # the told row is read again as it is: it needs nothing now
    post(cloud, wa_api, FakeGraphAPI.status_update(wa_api.sent[-1].message_id, "failed", RESIDENT, error_code=131026))
    sync(office, at("2026-11-27 10:25"))
    assert staff.row(ticket)["Notifikasi"].startswith("Perlu Dilengkapi · tidak terkirim: nomor tidak terdaftar")



def test_a_copy_of_a_row_with_its_ticket_typed_in_small_letters_is_still_reported_on_two_rows(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sync(office, NOW)
    sync(office, NOW + timedelta(minutes=2))  # the row needs nothing now: skipped while unchanged
    staff.add_row({**staff.row(ticket), "Tiket": ticket.lower()})  # the copy differs, the original does not
    report = sync(office, NOW + timedelta(minutes=5))
    assert any(f"Tiket {ticket} ada di 2 baris (baris 2, 3)" in w for w in report.warnings)


# -- the block memo: fingerprints remembered per run of rows, never a wrong one --------------------------------

def residents(count):
    return [{**VALID, "nama": f"Warga {i}", "nik": f"32010102038501{i:02d}", "wa": f"0813-5555-00{i:02d}"}
            for i in range(count)]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of two rows, so a register of a few requests spans several of them."""
    monkeypatch.setattr(row_marks, "BLOCK", 2)


def settled(office, count):
    tickets = [submit(office, "SKD", fields, Channel.FORM, NOW) for fields in residents(count)]
    sync(office, NOW)
    sync(office, NOW + timedelta(minutes=2))  # the receipts are noted: every row needs nothing, every block known
    return tickets


def test_an_edit_in_any_block_reaches_its_resident_once_and_no_one_else(small_blocks, client, office, staff):
    tickets = settled(office, 5)  # blocks: rows 2-3, 4-5, 6 (the last one short)
    staff.set(tickets[2], "Status", "Diproses")
    staff.set(tickets[4], "Status", "Ditolak")
    assert sync(office, NOW + timedelta(minutes=5)).sent == 2
    assert 'class="status proses"' in page(client, tickets[2]) and 'class="status tolak"' in page(client, tickets[4])
    assert all('class="status baru"' in page(client, t) for t in (tickets[0], tickets[1], tickets[3]))
    assert sync(office, NOW + timedelta(minutes=10)).sent == 0


def test_rows_shifted_into_other_blocks_are_still_read_for_what_changed(small_blocks, client, office, staff):
    tickets = settled(office, 6)
    staff.delete_row(2)  # every row below moves up one: no block holds the rows it held
    staff.set(tickets[3], "Status", "Siap Diambil")
    assert sync(office, NOW + timedelta(minutes=5)).sent == 1
    assert client.get(f"/tiket/{tickets[0]}").status_code == 404
    assert 'class="status siap"' in page(client, tickets[3])
    staff.sort("Tiket", reverse=True)  # sorted: the same rows, in other blocks, none changed
    assert sync(office, NOW + timedelta(minutes=10)).sent == 0
    staff.set(tickets[1], "Status", "Diproses")
    assert sync(office, NOW + timedelta(minutes=15)).sent == 1
    assert 'class="status proses"' in page(client, tickets[1])


def test_a_damaged_block_memo_is_ignored_and_no_edit_is_missed(small_blocks, client, office, staff):
    tickets = settled(office, 3)
    with office.state.db.connect() as db:  # half a digest: a file cut short
        db.execute("UPDATE row_blocks SET digests = substr(digests, 1, 7)")
    staff.set(tickets[1], "Status", "Diproses")
    assert sync(office, NOW + timedelta(minutes=5)).sent == 1
    assert 'class="status proses"' in page(client, tickets[1])
    staff.set(tickets[0], "Status", "Diproses")  # the memo was kept whole again by that sync
    assert sync(office, NOW + timedelta(minutes=10)).sent == 1


def test_the_block_memo_gives_every_row_the_fingerprint_it_would_get_on_its_own(tmp_path):
    """Through edits, moves, a deletion, a cell holding the row separator and a new context: never another's."""
    marks = RowMarks(Database(tmp_path / "state.sqlite3"))
    context = row_marks.context_of("secret", ["Tiket", "Status"])
    rows = [[f"PDK-{i:04d}", "Baru", f"Warga {i}"] for i in range(250)]  # 3 blocks, the last one half full
    steps = [
        lambda r: r,
        lambda r: r[:120] + [[r[120][0], "Diproses", r[120][2]]] + r[121:],  # one cell in the middle block
        lambda r: r[1:],  # a row deleted at the top: every block shifts
        lambda r: r[100:200] + r[:100] + r[200:],  # two whole blocks swapped: each found again by its digest
        # A cell holding the row separator: two rows whose block reads the same as the next step's, cut elsewhere.
        lambda r: r[:5] + [["PDK-A", "Baru\x1ePDK-B"], ["Diproses"]] + r[7:],
        lambda r: r[:5] + [["PDK-A", "Baru"], ["PDK-B\x1eDiproses"]] + r[7:],
        lambda r: r + [["PDK-9999", "Baru"]],  # appended at the bottom
    ]
    for step in steps:
        rows = step(rows)
        assert marks.fingerprints(rows, context) == list(row_marks.fingerprints(rows, context))
    other = row_marks.context_of("secret", ["Tiket", "Status", "Catatan"])  # a renamed column: all rows change
    assert set(marks.fingerprints(rows, other)).isdisjoint(row_marks.fingerprints(rows, context))
