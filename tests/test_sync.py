"""The request life cycle through the register: flush, walk-ins, status changes told exactly once."""
from __future__ import annotations

import pytest

from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel, Status
from pondok_sheets.errors import InvalidInput

from .conftest import VALID, at
from pondok_sheets.flow.catalogue import lookup
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.staff import set_status
from pondok_sheets.flow.sync import sync


def outbox_for(office: Office, ticket: str) -> list[str]:
    return [text for _, _, _, t, text in office.state.outbox.latest(1000) if t == ticket]


def test_a_submission_lands_in_the_register_once_with_a_confirmation(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    assert [r for r in staff.rows() if r["Tiket"] == ticket] == []  # queued, not yet in the register
    report = sync(office, at("2026-11-27 09:01"))
    assert report.ok and report.flushed == 1 and report.sent == 1
    row = staff.row(ticket)
    assert row["Nama"] == "Siti Aminah" and row["NIK"] == "3201014507900001"
    assert row["WhatsApp"] == "0812-3456-7801" and row["Saluran"] == "Formulir"
    assert row["Layanan"] == "Surat Keterangan Domisili" and row["Status"] == "Baru"
    assert row["Notifikasi"] == "Baru · dikabari 2026-11-27 09:01"
    (message,) = outbox_for(office, ticket)
    assert ticket in message and f"https://layanan.desapondok.id/tiket/{ticket}" in message
    sync(office, at("2026-11-27 09:05"))
    assert len([r for r in staff.rows() if r["Tiket"] == ticket]) == 1
    assert len(outbox_for(office, ticket)) == 1


def test_a_status_change_is_told_exactly_once_across_repeated_ticks(office, staff):
    ticket = submit(office, "SKTM", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    staff.set(ticket, "Catatan", "Ambil di meja 2")
    for minute in range(1, 6):
        sync(office, at(f"2026-11-27 10:0{minute}"))
    messages = outbox_for(office, ticket)
    assert len(messages) == 2
    assert "sudah siap diambil" in messages[1] and "Ambil di meja 2" in messages[1]
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-27 10:01"
    assert staff.row(ticket)["Diperbarui"] == "2026-11-27 10:01"


def test_changing_back_and_forth_tells_each_distinct_change_once(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    for i, status in enumerate(["Diproses", "Perlu Dilengkapi", "Perlu Dilengkapi", "Diproses", "Diproses"]):
        staff.set(ticket, "Status", status)
        sync(office, at(f"2026-11-27 10:0{i}"))
        sync(office, at(f"2026-11-27 10:0{i}"))
    messages = outbox_for(office, ticket)
    assert len(messages) == 4  # Baru, Diproses, Perlu Dilengkapi, Diproses
    assert ["sudah kami terima" in messages[0], "sedang diproses" in messages[1],
            "perlu dilengkapi" in messages[2], "sedang diproses" in messages[3]] == [True] * 4


def test_an_empty_note_leaves_its_line_out_of_the_message(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 09:10"))
    assert "Catatan petugas" not in outbox_for(office, ticket)[-1]


def test_a_walk_in_row_gets_a_ticket_and_a_confirmation(office, staff):
    staff.add_row({"Nama": "Pak Darto", "NIK": "3201010101700001", "WhatsApp": "0813-1111-2222",
                   "Layanan": "Surat Pengantar SKCK"})
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.walkins == 1 and report.sent == 1
    (row,) = [r for r in staff.rows() if r["Nama"] == "Pak Darto"]
    assert row["Tiket"].startswith("PDK-") and row["Saluran"] == "Loket"
    assert row["Status"] == "Baru" and row["Masuk"] == "2026-11-27 09:00"
    assert row["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"
    (message,) = outbox_for(office, row["Tiket"])
    assert "Halo Pak Darto" in message and row["Tiket"] in message
    sync(office, at("2026-11-27 09:05"))
    assert len(outbox_for(office, row["Tiket"])) == 1
    assert lookup(office, row["Tiket"].lower()).status == "Baru"


def test_a_walk_in_typed_with_its_own_status_and_time_keeps_them(office, staff):
    staff.add_row({"Masuk": "2026-11-26 14:00", "Nama": "Bu Sri", "WhatsApp": "0813-1111-3333",
                   "Layanan": "SKU", "Status": "Diproses", "Saluran": "WhatsApp"})
    sync(office, at("2026-11-27 09:00"))
    (row,) = [r for r in staff.rows() if r["Nama"] == "Bu Sri"]
    assert (row["Masuk"], row["Status"], row["Saluran"]) == ("2026-11-26 14:00", "Diproses", "WhatsApp")
    (message,) = outbox_for(office, row["Tiket"])
    assert "Surat Keterangan Usaha" in message and "sedang diproses" in message


def test_a_row_without_a_usable_number_is_marked_and_sent_once_staff_fix_it(office, staff):
    staff.add_row({"Nama": "Pak Min", "WhatsApp": "022-7654321", "Layanan": "SKD"})
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.not_sent == 1 and report.sent == 0
    (row,) = [r for r in staff.rows() if r["Nama"] == "Pak Min"]
    assert row["Notifikasi"] == "Baru · tidak terkirim: nomor WA tidak valid"
    sync(office, at("2026-11-27 09:05"))
    assert outbox_for(office, row["Tiket"]) == []
    staff.set(row["Tiket"], "WhatsApp", "0813 2222 4444")
    sync(office, at("2026-11-27 09:10"))
    assert len(outbox_for(office, row["Tiket"])) == 1
    assert staff.row(row["Tiket"])["Notifikasi"] == "Baru · dikabari 2026-11-27 09:10"


def test_a_status_staff_mistyped_is_pointed_out_and_nothing_is_sent(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Selesaii")
    sync(office, at("2026-11-27 09:05"))
    assert staff.row(ticket)["Notifikasi"].startswith("Status tidak dikenal: 'Selesaii'. Pilih salah satu: Baru,")
    assert len(outbox_for(office, ticket)) == 1
    staff.set(ticket, "Status", "selesai")  # any case is fine
    sync(office, at("2026-11-27 09:10"))
    assert "sudah selesai" in outbox_for(office, ticket)[-1]


def test_every_message_is_logged_with_the_number_masked(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    (log,) = staff.rows("Log")
    assert log["Tiket"] == ticket and log["Hasil"] == "terkirim" and log["Jenis"] == "status"
    assert log["Kepada"] == "62812*****801" and "3456" not in log["Kepada"]
    assert log["ID Pesan"].startswith("console-")


def test_an_invalid_submission_changes_nothing(office, staff):
    before = staff.rows()
    with pytest.raises(InvalidInput) as invalid:
        submit(office, "SKD", {**VALID, "nik": "123", "wa": "021-555", "setuju": ""}, Channel.FORM)
    assert set(invalid.value.errors) == {"nik", "wa", "setuju"}
    assert office.state.queue.pending() == []
    sync(office, at("2026-11-27 09:00"))
    assert staff.rows() == before


def test_an_unknown_or_closed_service_is_refused(office, staff):
    with pytest.raises(InvalidInput) as invalid:
        submit(office, "XYZ", VALID, Channel.FORM)
    assert invalid.value.errors == {"layanan": "Layanan ini tidak tersedia. Pilih layanan dari daftar."}


def test_formula_like_values_are_stored_as_text(office, staff):
    ticket = submit(office, "SKD", {**VALID, "nama": '=HYPERLINK("http://x","y")', "keterangan": "+1 dokumen"},
                           Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    row = staff.row(ticket)
    assert row["Nama"] == '\'=HYPERLINK("http://x","y")' and row["Keterangan"] == "'+1 dokumen"
    assert 'Halo =HYPERLINK("http://x","y")' in outbox_for(office, ticket)[0]


def test_staff_wording_in_pesan_is_used(office, staff):
    staff.add_row({"Status": "Diproses", "Pesan": "Yth. {nama}, tiket {tiket} diproses. {tidakada}"}, tab="Pesan")
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", Status.DIPROSES.value)
    sync(office, at("2026-11-27 09:05"))
    assert outbox_for(office, ticket)[-1] == f"Yth. Siti Aminah, tiket {ticket} diproses. {{tidakada}}"


def test_set_status_changes_the_register_as_staff_would(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    set_status(office, ticket.lower(), Status.PERLU_DILENGKAPI, "Fotokopi KK belum ada")
    row = staff.row(ticket)
    assert (row["Status"], row["Catatan"]) == ("Perlu Dilengkapi", "Fotokopi KK belum ada")


def test_the_cycle_collector_is_on_again_after_every_sync_even_one_google_refused(office, staff, request):
    # A sync pauses Python's cycle collector while it reads (issue 16); a long-running `serve` whose
    # collector stayed off would grow with every sync.
    import gc

    submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    assert sync(office, at("2026-11-27 09:00")).ok and gc.isenabled()
    if office.settings.uses_google:
        api = request.getfixturevalue("sheets_api")
        api.fail_next(1, status=403)  # the sheet unshared for the sync's read
        try:
            assert not sync(office, at("2026-11-27 09:30")).ok
        finally:
            with api._lock:
                api._fail_rules.clear()  # the fake is shared by the session's tests
        assert gc.isenabled()
    gc.disable()  # someone else's choice is left as found
    try:
        sync(office, at("2026-11-27 10:00"))
        assert not gc.isenabled()
    finally:
        gc.enable()
