"""Complaints end to end: the page, the Pengaduan tab, the answer told once, the public face; and the budgets."""
from __future__ import annotations

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from pondok_sheets.register.survey_tokens import token_for

from .conftest import VALID, at, csrf_token

COMPLAINT = {"kategori": "Jalan dan jembatan", "isi": "Jalan RT 03 berlubang, NIK saya 3201014507900001",
             "lokasi": "depan balai RW 03"}


def file(client, fields: dict, honeypot: str = ""):
    page = client.get("/pengaduan").get_data(as_text=True)
    return client.post("/pengaduan", data={**fields, "csrf_token": csrf_token(page), "situs_web": honeypot})


def told(office: Office, ticket: str) -> list[str]:
    return [text for _, _, _, t, text in office.state.outbox.latest(1000) if t == ticket]


def test_an_anonymous_complaint_gets_a_ticket_to_check_back_and_lands_in_its_own_tab(client, office, staff):
    response = file(client, COMPLAINT)
    assert response.status_code == 303
    ticket = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    assert ticket.startswith("PDK-A")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket in page and "Diterima" in page and "Jalan dan jembatan" in page
    sync(office, at("2026-11-27 09:00"))
    (row,) = staff.rows("Pengaduan")
    assert row["Tiket"] == ticket and row["Status"] == "Diterima" and row["WhatsApp"] == ""
    assert all(r["Tiket"] != ticket for r in staff.rows())  # never in Permohonan
    assert client.get(f"/tiket/{ticket}").status_code == 404  # not a request


def test_a_complaint_with_a_number_is_told_once_when_staff_respond(client, office, staff):
    response = file(client, {**COMPLAINT, "wa": "0812-3456-7809", "kontak": "ya"})
    ticket = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    sync(office, at("2026-11-27 09:00"))
    assert told(office, ticket) == []  # no message for merely filing
    staff.set_where("Pengaduan", "Tiket", ticket, "Tanggapan", "Sudah ditambal Dinas PU, 2 Desember.")
    sync(office, at("2026-11-27 09:05"))
    assert told(office, ticket) == []  # a Tanggapan without a status past Diterima is a draft
    staff.set_where("Pengaduan", "Tiket", ticket, "Status", "Selesai")
    for minute in ("10:00", "10:05", "10:10"):
        sync(office, at(f"2026-11-27 {minute}"))
    (message,) = told(office, ticket)
    assert "Sudah ditambal Dinas PU" in message and "Selesai" in message and ticket in message
    row = next(r for r in staff.rows("Pengaduan") if r["Tiket"] == ticket)
    assert row["Notifikasi"] == "Pengaduan Selesai · dikabari 2026-11-27 10:00"
    log = staff.rows("Log")
    assert any(r["Tiket"] == ticket and r["Kepada"] == "62812*****809" for r in log)
    assert not any("3456-7809" in str(r) or "6281234567809" in str(r) for r in log)


def test_the_public_page_shows_no_personal_data_and_the_text_only_with_tampilkan(client, office, staff):
    office.clock.moment = at("2026-11-27 08:30")
    typed = {**COMPLAINT, "isi": COMPLAINT["isi"] + ", HP 0857-1234-5603, surel siti@contoh.id",
             "wa": "0812-3456-7809", "kontak": "ya"}
    response = file(client, typed)
    ticket = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    sync(office, at("2026-11-27 09:00"))
    staff.set_where("Pengaduan", "Tiket", ticket, "Tanggapan", "Akan diperbaiki pekan depan.")
    staff.set_where("Pengaduan", "Tiket", ticket, "Status", "Ditindaklanjuti")
    sync(office, at("2026-11-27 09:05"))
    for path in (f"/pengaduan/{ticket}", "/pengaduan"):
        page = client.get(path).get_data(as_text=True)
        assert "Akan diperbaiki pekan depan." in page and "Ditindaklanjuti" in page
        assert "berlubang" not in page and "3456" not in page and "7809" not in page
    staff.set_where("Pengaduan", "Tiket", ticket, "Tampilkan", "TRUE")
    sync(office, at("2026-11-27 09:10"))
    for path in (f"/pengaduan/{ticket}", "/pengaduan"):
        page = client.get(path).get_data(as_text=True)
        assert "Jalan RT 03 berlubang" in page and "[nomor disembunyikan]" in page, path
        assert "3201014507900001" not in page and "1234-5603" not in page and "5603" not in page, path
        assert "siti@contoh.id" not in page and "3456" not in page, path
    stats = client.get("/statistik").get_data(as_text=True)
    stats = stats[stats.index('id="pengaduan"'):]
    assert "Jalan dan jembatan: 1" in stats and "Median waktu sampai ditanggapi: 0" in stats, stats[:600]


def test_a_complaint_never_counts_in_the_digest_the_reminders_or_the_request_statistics(client, office, staff):
    from pondok_sheets.flow.jobs import digest_job
    from pondok_sheets.register.validation import parse_phone

    object.__setattr__(office.settings, "staff_wa", (parse_phone("0811-2222-3333"),))  # frozen: as if set in .env
    office.clock.moment = at("2026-11-20 09:00")  # a Friday
    request = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-20 09:00"))
    response = file(client, {**COMPLAINT, "wa": "0812-3456-7809", "kontak": "ya"})
    complaint = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    sync(office, at("2026-11-20 09:01"))
    staff.set(request, "Status", "Siap Diambil")
    staff.set_where("Pengaduan", "Tiket", complaint, "Tanggapan", "Sudah dilaporkan ke Dinas PU.")
    staff.set_where("Pengaduan", "Tiket", complaint, "Status", "Ditindaklanjuti")
    for moment in ("2026-11-20 10:00", "2026-11-20 10:05", "2026-11-23 09:00", "2026-11-24 09:00",
                   "2026-11-25 09:00", "2026-11-25 09:10"):
        sync(office, at(moment))
    kinds = lambda ticket: [k for _, _, k, t, _ in office.state.outbox.latest(1000) if t == ticket]  # noqa: E731
    assert kinds(complaint) == ["pengaduan"]  # its answer, once; never a pickup reminder
    assert "pengingat" in kinds(request)  # 3 working days waiting at Siap Diambil

    assert digest_job(office, at("2026-11-27 07:30"))[0]
    (digest,) = [text for _, _, k, _, text in office.state.outbox.latest(1000) if k == "ringkasan"]
    assert "Baru: 0" in digest and "Diproses: 0" in digest and "Siap Diambil: 1" in digest
    assert complaint not in digest and "Jalan" not in digest

    office.clock.moment = at("2026-11-27 08:00")
    stats = client.get("/statistik").get_data(as_text=True)
    request_part = stats[:stats.index('id="skm"')]
    assert "Bulan ini (November 2026): 1 permohonan" in request_part and "Sejak awal: 1 permohonan" in request_part
    assert complaint not in stats and "Ditindaklanjuti" not in request_part
    assert "Jalan dan jembatan: 1" in stats[stats.index('id="pengaduan"'):]  # counted where it belongs


def test_tampilkan_ticked_as_a_checkbox_or_a_typed_yes_shows_the_text_and_a_bare_x_does_not(client, office, staff):
    response = file(client, COMPLAINT)
    ticket = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    sync(office, at("2026-11-27 09:00"))
    # TRUE is what a Sheets checkbox reads as; x crosses a thing out as often as it ticks it.
    for minute, (tick, shown) in enumerate([("TRUE", True), ("x", False), ("ya", True), ("FALSE", False),
                                            ("✓", True), ("X", False), ("Tampilkan", True)], start=10):
        staff.set_where("Pengaduan", "Tiket", ticket, "Tampilkan", tick)
        sync(office, at(f"2026-11-27 09:{minute}"))
        page = client.get(f"/pengaduan/{ticket}").get_data(as_text=True)
        assert ("Jalan RT 03 berlubang" in page) is shown, tick


def test_abuse_is_refused_with_a_clear_message_and_stores_nothing(client, office, staff):
    assert file(client, COMPLAINT, honeypot="http://spam").status_code == 422
    long = file(client, {**COMPLAINT, "isi": "x" * 1001})
    assert long.status_code == 422 and "terlalu panjang (1001 huruf, paling banyak 1000)" in long.get_data(as_text=True)
    no_consent = file(client, {**COMPLAINT, "wa": "0812-3456-7809"}).get_data(as_text=True)
    assert "Centang persetujuan dihubungi" in no_consent
    assert client.post("/pengaduan", data=COMPLAINT).status_code == 400  # no CSRF token
    sync(office, at("2026-11-27 09:00"))
    assert staff.rows("Pengaduan") == []


def test_a_formula_typed_in_a_complaint_stays_text_in_the_sheet(client, office, staff):
    file(client, {**COMPLAINT, "isi": "=HYPERLINK(\"http://x\")", "lokasi": "+62 depan"})
    sync(office, at("2026-11-27 09:00"))
    (row,) = staff.rows("Pengaduan")
    assert row["Isi"].startswith("'=") and row["Lokasi"].startswith("'+")


def test_a_sync_with_the_voice_tabs_stays_within_its_budgets(client, office, staff, settings, sheets_api):
    if not settings.uses_google:
        pytest.skip("the budget is Google's; the local register has no request counter")
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:01"))
    response = file(client, {**COMPLAINT, "wa": "0812-3456-7809", "kontak": "ya"})
    complaint = response.headers["Location"].split("/pengaduan/")[1].split("?")[0]
    sync(office, at("2026-11-27 09:02"))
    staff.set(ticket, "Status", "Selesai")
    staff.set_where("Pengaduan", "Tiket", complaint, "Tanggapan", "Sudah ditindaklanjuti.")
    staff.set_where("Pengaduan", "Tiket", complaint, "Status", "Selesai")
    submit(office, "SKTM", {**VALID, "wa": "0812-3456-7810"}, Channel.FORM, at("2026-11-27 09:03"))
    file(client, COMPLAINT)
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:10"))
    assert report.ok and report.sent >= 3  # Selesai + invitation, the new request, the complaint's answer
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3
    sheets_api.reset_counts()
    sync(office, at("2026-11-27 09:15"))
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3
    assert len(staff.rows("Pengaduan")) == 2
    # A survey answer, another complaint and a status change: three writes, the Survei append among them.
    page = client.get(f"/survei/{token_for('test-secret', ticket)}").get_data(as_text=True)
    client.post(f"/survei/{token_for('test-secret', ticket)}",
                data={**{f"u{i}": "4" for i in range(1, 10)}, "csrf_token": csrf_token(page)})
    file(client, {**COMPLAINT, "kategori": "Air bersih"})
    staff.set_where("Pengaduan", "Tiket", complaint, "Status", "Tidak Dapat Ditindaklanjuti")
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:17"))
    assert report.ok and sheets_api.reads <= 2 and sheets_api.writes <= 3
    assert len(staff.rows("Survei")) == 1 and len(staff.rows("Pengaduan")) == 3
    sheets_api.reset_counts()
    sync(office, at("2026-11-27 09:18"))  # the complaint's Log row, left over from the full cycle
    assert sheets_api.reads <= 2 and sheets_api.writes <= 3
    assert any("Tidak Dapat Ditindaklanjuti" in r["Isi"] for r in staff.rows("Log"))
    sheets_api.reset_counts()
    report = sync(office, at("2026-11-27 09:20"))
    assert (sheets_api.reads, sheets_api.writes) == (0, 0)  # idle: the Drive check says nothing changed


def test_the_chat_menu_and_the_poster_lead_to_the_complaints_page(client, office):
    from pondok_sheets.register.validation import parse_phone
    from pondok_sheets.whatsapp.chat import Chat, Incoming

    class Desk:
        def services(self, active_only: bool = True):
            return office.state.meta.services(active_only)

    chat = Chat(Desk(), office.state.chats, office.state.contacts, office.links, "Pondok", "PDK")  # type: ignore[arg-type]
    ((menu, _),) = chat.handle(Incoming(parse_phone("0812-3456-7801"), text="Halo"), at("2026-11-27 09:00"))
    assert "Pengaduan dan saran (boleh tanpa nama): https://layanan.desapondok.id/pengaduan" in menu
    assert client.get("/qr/pengaduan.svg").status_code == 200
    assert client.get("/qr/survei.png").status_code == 200
    assert "Pengaduan dan saran" in client.get("/poster").get_data(as_text=True)
