"""The resident's path in a real headless Chromium, 360 px wide, with JavaScript off."""
from __future__ import annotations

from .conftest import VALID


def fill_form(page, values: dict) -> None:
    page.fill("#nama", values["nama"])
    page.fill("#nik", values["nik"])
    page.fill("#wa", values["wa"])
    page.fill("#keterangan", values["keterangan"])
    if values.get("setuju"):
        page.check("#setuju")


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
    assert office.state.pending()[0].ticket == ticket


def test_errors_appear_next_to_the_wrong_fields_with_values_kept(live_server, phone_page, office):
    page = phone_page
    page.goto(live_server + "/ajukan/SKTM")
    fill_form(page, {**VALID, "nik": "1234", "setuju": False})
    page.click("button[type=submit]")
    assert page.locator("#nik-error").inner_text().startswith("NIK harus 16 angka")
    assert page.locator("#setuju-error").is_visible()
    assert page.locator("#nama").input_value() == "Siti Aminah"
    assert page.locator("#nik").get_attribute("aria-invalid") == "true"
    assert office.state.pending() == []


def test_pages_fit_a_360px_screen_and_tap_targets_are_large(live_server, phone_page):
    page = phone_page
    page.goto(live_server + "/ajukan/SKD")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("button[type=submit]").bounding_box()
    assert box["height"] >= 44
    assert page.locator("#setuju").bounding_box()["height"] >= 24
