"""Personal data (UU PDP 27/2022): NIK and numbers never reach the operator's log or a public page."""
from __future__ import annotations

import logging

from pondok_sheets.register.model import Channel
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync

from .conftest import VALID, at

NIK = VALID["nik"]
DIGITS = ("81234567801", "0812-3456-7801", "6281234567801")


def test_no_nik_or_number_in_the_log_of_a_whole_life_cycle(office, staff, client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:00"))
    staff.add_row({"Nama": "Pak Darto", "NIK": "3201010101700001", "WhatsApp": "0813-1111-2222", "Layanan": "SKD"})
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 09:10"))
    sync(office, at("2026-11-30 09:10"))
    for url in ["/", f"/tiket/{ticket}", f"/cek?tiket={ticket}", "/statistik", "/tidak-ada"]:
        client.get(url)
    printed = capsys.readouterr()
    logged = caplog.text + printed.err
    for secret in (NIK, "3201010101700001", *DIGITS, "081311112222", "0813-1111-2222"):
        assert secret not in logged
    assert "62812*****801" in printed.out  # the console messenger shows the number masked only
    assert all(secret not in printed.out for secret in DIGITS)


def test_public_pages_never_show_a_nik_a_number_or_a_whole_name(office, client, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:00"))
    for url in [f"/tiket/{ticket}", "/statistik", f"/cek?tiket={ticket.lower()}"]:
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert NIK not in page and "Siti Aminah" not in page
        assert all(d not in page for d in DIGITS)
