"""The resident's path in a real headless Chromium, 360 px wide, with JavaScript off."""
from __future__ import annotations

import pytest

from .conftest import LETTER_ANSWERS, VALID, at
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel


def fill_fields(page, values: dict = LETTER_ANSWERS) -> None:
    """Answer the service's own fields (its Isian) that the form shows."""
    for key, value in values.items():
        box = page.locator(f"#{key}")
        if box.count():
            if box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(label=value)
            else:
                box.fill(value)


def fill_form(page, values: dict) -> None:
    fill_fields(page)
    page.fill("#nama", values["nama"])
    page.fill("#nik", values["nik"])
    page.fill("#wa", values["wa"])
    page.fill("#keterangan", values["keterangan"])
    if values.get("setuju"):
        page.check("#setuju")


@pytest.fixture
def store_kind() -> str:
    """The pages read local state only: one register is enough for the browser."""
    return "local"


def test_a_resident_applies_from_the_landing_page_and_gets_a_ticket(live_server, phone_page, office):
    page = phone_page
    page.goto(live_server + "/")
    page.click('a[href="/ajukan/SKD"]')
    assert page.locator("h1").inner_text() == "Surat Keterangan Domisili"
    fill_form(page, VALID)
    page.click("button[type=submit]")
    ticket = page.locator(".ticket").inner_text()
    assert ticket.startswith("PDK-") and "/tiket/" + ticket in page.url
    assert "Baru" in page.locator(".status").inner_text()
    assert office.state.queue.pending()[0].ticket == ticket


def test_errors_appear_next_to_the_wrong_fields_with_values_kept(live_server, phone_page, office):
    page = phone_page
    page.goto(live_server + "/ajukan/SKTM")
    fill_form(page, {**VALID, "nik": "1234", "setuju": False})
    page.click("button[type=submit]")
    assert page.locator("#nik-error").inner_text().startswith("NIK harus 16 angka")
    assert page.locator("#setuju-error").is_visible()
    assert page.locator("#nama").input_value() == "Siti Aminah"
    assert page.locator("#nik").get_attribute("aria-invalid") == "true"
    assert office.state.queue.pending() == []


def test_pages_fit_a_360px_screen_and_tap_targets_are_large(live_server, phone_page):
    page = phone_page
    page.goto(live_server + "/ajukan/SKD")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("button[type=submit]").bounding_box()
    assert box["height"] >= 44
    assert page.locator("#setuju").bounding_box()["height"] >= 24


def test_the_whole_resident_path_on_a_phone(live_server, phone_page, tmp_path):
    """Landing → service → an error → fixed → receipt → look the ticket up again, as a person sees it."""
    page = phone_page
    page.goto(live_server + "/")
    page.screenshot(path=tmp_path / "1-beranda.png", full_page=True)
    assert page.get_by_role("heading", name="Ajukan surat dari rumah").is_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="Surat Keterangan Usaha").is_visible()
    page.get_by_role("link", name="Ajukan Surat Keterangan Usaha").click()

    page.get_by_label("Nama lengkap (sesuai KTP)").fill("Dewi Lestari")
    page.get_by_label("NIK (16 angka di KTP atau Kartu Keluarga)").fill("3201015512920003")
    page.get_by_label("Nomor WhatsApp", exact=True).fill("0857 12")  # far too short
    page.get_by_label("Keterangan (tidak wajib)").fill("Warung sembako")
    fill_fields(page)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Kirim permohonan").click()
    page.screenshot(path=tmp_path / "2-salah.png", full_page=True)
    error = page.locator("#wa-error")
    assert error.is_visible() and error.inner_text().startswith("Nomor WhatsApp harus nomor HP Indonesia")
    assert page.get_by_label("Nama lengkap (sesuai KTP)").input_value() == "Dewi Lestari"
    wa_box, error_box = page.locator("#wa").bounding_box(), error.bounding_box()
    assert 0 < error_box["y"] - wa_box["y"] < 120  # the message sits right under its field

    page.get_by_label("Nomor WhatsApp", exact=True).fill("0857 1234 5603")
    page.get_by_role("checkbox").check()  # kept ticked? tick again to be sure the person can
    page.get_by_role("button", name="Kirim permohonan").click()
    page.screenshot(path=tmp_path / "3-tiket.png", full_page=True)
    ticket = page.locator(".ticket").inner_text()
    assert ticket.startswith("PDK-") and page.locator(".status").inner_text() == "Baru"
    assert page.get_by_role("heading", name="Permohonan Anda").is_visible()
    assert page.get_by_role("status").inner_text() == "Terima kasih, permohonan Anda sudah kami terima."
    assert page.get_by_role("heading", name="Apa selanjutnya").is_visible()
    assert "Surat Keterangan Usaha" in page.locator("main").inner_text()
    assert "Dewi" not in page.content() and "D***" not in page.content()

    page.goto(live_server + "/cek")
    page.get_by_label("Nomor tiket").fill(ticket.lower().replace("-", " "))
    page.get_by_role("button", name="Cek status").click()
    page.screenshot(path=tmp_path / "4-cek.png", full_page=True)
    assert page.locator(".ticket").inner_text() == ticket
    assert all((tmp_path / f).stat().st_size > 5_000 for f in ("1-beranda.png", "2-salah.png", "3-tiket.png",
                                                                 "4-cek.png"))


def test_svg_qr_codes_as_a_browser_draws_them_decode_to_their_url(live_server, browser, tmp_path):
    import zxingcpp
    from PIL import Image

    page = browser.new_page(viewport={"width": 400, "height": 400})
    try:
        page.goto(live_server + "/qr/SKD.svg")
        page.screenshot(path=tmp_path / "qr.png")
    finally:
        page.close()
    texts = {c.text for c in zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))}
    assert texts == {"https://layanan.desapondok.id/ajukan/SKD"}  # built from PONDOK_PUBLIC_URL


def test_the_copy_button_appears_with_javascript_on(live_server, browser, office):
    from pondok_sheets.register.model import Channel

    ticket = submit(office, "SKD", VALID, Channel.FORM)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/tiket/{ticket}")
        assert page.get_by_role("button", name="Salin nomor tiket").is_visible()
    finally:
        context.close()


def test_statuses_look_different_by_meaning_and_dates_read_in_indonesian(live_server, phone_page, office, staff):
    colours = {}
    for i, status in enumerate(["Perlu Dilengkapi", "Ditolak", "Siap Diambil", "Diproses"]):
        ticket = submit(office, "SKD", {**VALID, "nama": f"Warga {chr(65 + i)}"}, Channel.FORM)
        sync(office, at("2026-12-02 04:37"))
        staff.set(ticket, "Status", status)
        sync(office, at("2026-12-02 08:15"))
        phone_page.goto(f"{live_server}/tiket/{ticket}")
        badge = phone_page.locator(".status")
        colours[status] = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert phone_page.locator("#arti-status").is_visible()
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
        history = phone_page.locator("#riwayat li").all_inner_texts()
        assert history[-1] == f"{status} — 2 Desember 2026, 08.15 WIB" and "2026-12" not in " ".join(history)
    assert len(set(colours.values())) == 4  # each its own colour
    assert colours["Siap Diambil"] not in (colours["Perlu Dilengkapi"], colours["Ditolak"])


def test_the_landing_page_index_jumps_to_a_service(live_server, phone_page):
    page = phone_page
    page.goto(live_server + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("navigation").get_by_role("link", name="Surat Keterangan Kematian").click()
    assert page.url.endswith("#layanan-skm")
    target = page.locator("#layanan-skm").bounding_box()
    assert 0 <= target["y"] < 740  # the service's card is on screen after the jump
    assert page.locator("#layanan-skm").get_by_role("link", name="Ajukan Surat Keterangan Kematian").is_visible()


def test_no_content_security_policy_violation_with_javascript_on(live_server, browser, office):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    try:
        for url in ["/", "/ajukan/SKD", f"/tiket/{ticket}", "/statistik", "/poster"]:
            page.goto(live_server + url)
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the style sheet applied
        page.goto(f"{live_server}/tiket/{ticket}")
        assert page.get_by_role("button", name="Salin nomor tiket").is_visible()
    finally:
        context.close()
    assert refused == []



def test_a_phones_second_view_of_its_ticket_and_qr_code_is_a_304_over_http(live_server, office, phone_page, caplog):
    import logging
    import re

    import requests

    ticket = submit(office, "SKD", VALID, Channel.FORM)
    phone = requests.Session()  # sends Accept-Encoding: gzip, as phones do
    for path in (f"/tiket/{ticket}", "/qr/cek.svg"):
        first = phone.get(live_server + path, timeout=10)
        assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip", path
        assert ticket in first.text if path.startswith("/tiket") else first.text.startswith("<svg")
        again = phone.get(live_server + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
        assert again.status_code == 304 and again.content == b"", path
    # Chromium keeps the page and asks again on the next visit; the server's own log says what it sent.
    caplog.set_level(logging.INFO, logger="werkzeug")
    caplog.clear()
    for path in (f"/tiket/{ticket}", "/qr/cek.svg"):
        phone_page.goto(live_server + path)
        phone_page.reload()
        sent = [m.group(2) for r in caplog.records
                if (m := re.search(r'GET (\S+) HTTP/1\.1\S*" (\d{3})', r.getMessage())) and m.group(1) == path]
        assert sent == ["200", "304"], path
    assert phone_page.goto(f"{live_server}/tiket/{ticket}").ok and phone_page.locator(".ticket").inner_text() == ticket


def test_each_survey_group_and_the_complaint_form_fit_one_phone_screen(live_server, phone_page, office, staff,
                                                                        tmp_path):
    from pondok_sheets.register.survey_tokens import token_for

    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:01"))
    staff.set(ticket, "Status", "Selesai")
    sync(office, at("2026-11-27 10:00"))
    page = phone_page
    height = page.viewport_size["height"]
    page.goto(f"{live_server}/tiket/{ticket}")
    page.get_by_role("link", name="Isi survei kepuasan").click()
    assert page.url == f"{live_server}/survei/{token_for('test-secret', ticket)}"
    page.screenshot(path=tmp_path / "survei.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    groups = page.locator("fieldset[id^=bagian-]")
    assert groups.count() == 6  # nine questions two to a screen, then the facts about the respondent
    for i in range(groups.count()):
        box = groups.nth(i).bounding_box()
        assert box["height"] <= height, (i + 1, box["height"])
    page.goto(f"{live_server}/pengaduan")
    page.screenshot(path=tmp_path / "pengaduan.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    groups = page.locator("fieldset[id^=bagian-]")
    assert groups.count() == 2  # the complaint, then whether to be told on WhatsApp
    for i in range(groups.count()):
        box = groups.nth(i).bounding_box()
        assert box["height"] <= height, (i + 1, box["height"])
