"""The resident's pages and the printed posters: weight, masking, spam defences, QR codes, statistics."""
from __future__ import annotations

import dataclasses
import io
import re

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from pondok_sheets import create_app
from pondok_sheets.register.model import Channel
from pondok_sheets.register.validation import parse_phone

from .conftest import VALID, at, csrf_token
from pondok_sheets.flow import intake
from pondok_sheets.flow.sync import sync

BUDGET = 60 * 1024
SITE = "https://layanan.desapondok.id"


@pytest.fixture
def store_kind() -> str:
    return "local"


@pytest.fixture
def app(settings, clock):
    return create_app(dataclasses.replace(settings, office_wa=parse_phone("0812-1111-2222")), {"TESTING": True},
                      clock=clock)


def decode(image: Image.Image) -> set[str]:
    return {code.text for code in zxingcpp.read_barcodes(image)}


def submit(client, code="SKD", **fields):
    token = csrf_token(client.get(f"/ajukan/{code}").get_data(as_text=True))
    return client.post(f"/ajukan/{code}", data={**VALID, **fields, "csrf_token": token})


# -- weight and shape ---------------------------------------------------------------------

def test_every_page_is_under_60_kb_with_its_favicon_and_no_outside_resource(client, office):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    favicon = len(client.get("/static/favicon.svg").data)
    for url in ["/", "/ajukan/SKD", f"/tiket/{ticket}", "/cek", "/statistik", "/tidak-ada"]:
        page = client.get(url).get_data(as_text=True)
        assert len(page.encode()) + favicon < BUDGET, url
        assert "Desa Pondok" in page and 'rel="icon"' in page, url
        assert not re.search(r'(src|href)="(https?:)?//(?!wa\.me)', page), url  # no CDN, no web font


def test_the_landing_page_offers_the_chat_the_status_box_and_office_hours(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="https://wa.me/6281211112222?text=Halo"' in page
    assert 'action="/cek"' in page and "Senin–Kamis 08.00–15.00" in page


# -- the form's defences --------------------------------------------------------------------

def test_a_filled_honeypot_stores_nothing(client, office):
    response = submit(client, situs_web="http://spam.example")
    assert response.status_code == 422 and "Permohonan tidak bisa diproses" in response.get_data(as_text=True)
    assert office.state.queue.pending() == []


def test_too_many_submissions_from_one_address_get_a_friendly_429(client, office):
    for _ in range(20):
        assert submit(client).status_code == 303
    response = submit(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Terlalu banyak permintaan" in page and "Tunggu sebentar" in page
    assert response.headers["Retry-After"]
    assert len(office.state.queue.pending()) == 20
    other = client.post("/ajukan/SKD", data={}, environ_base={"REMOTE_ADDR": "10.9.8.7"},
                        headers={"X-Forwarded-For": "203.0.113.9"})
    assert other.status_code == 400  # another resident (through the host's proxy) is not blocked


def test_ticket_look_ups_are_rate_limited(client):
    codes = [client.get("/cek", query_string={"tiket": f"PDK-AAAA{i:03d}"}).status_code for i in range(61)]
    assert codes[:60] == [404] * 60 and codes[60] == 429


# -- receipt ------------------------------------------------------------------------------

def test_the_receipt_masks_the_name_and_shows_what_to_bring_a_qr_and_a_share_link(client, office):
    ticket = submit(client, nama="Budi Santoso").headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/tiket/{ticket}").get_data(as_text=True)
    assert "B*** S******" in page and "Budi" not in page and "Santoso" not in page
    assert "3201014507900001" not in page and "3456" not in page
    assert "Fotokopi Kartu Keluarga" in page and "Selesai dalam 2 hari kerja" in page
    assert "<svg" in page and f"{SITE}/tiket/{ticket}" in page
    share = re.search(r'href="(https://wa.me/\?text=[^"]+)"', page).group(1)
    assert ticket in share and "%20" in share


def test_the_timeline_lists_each_status_with_its_date(client, office, staff):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-25 09:00"))
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-26 10:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 11:00"))
    page = client.get(f"/tiket/{ticket}").get_data(as_text=True)
    timeline = re.findall(r"<li>(.*?) — (.*?)</li>", page)
    assert timeline == [("Baru", "2026-11-25 09:00"), ("Diproses", "2026-11-26 10:00"),
                        ("Siap Diambil", "2026-11-27 11:00")]


# -- statistics ---------------------------------------------------------------------------

def test_statistics_count_per_service_and_status_and_time_to_finish_without_personal_data(client, office, staff):
    tickets = [intake.submit(office, code, VALID, Channel.FORM, at("2026-11-02 09:00")) for code in ("SKD", "SKD", "SKCK")]
    sync(office, at("2026-11-02 09:00"))  # Monday
    staff.set(tickets[0], "Status", "Siap Diambil")
    sync(office, at("2026-11-04 10:00"))  # 2 working days later: within SKD's 2 days
    staff.set(tickets[2], "Status", "Selesai")
    sync(office, at("2026-11-06 10:00"))  # 4 working days: SKCK promised 1
    office.clock.moment = at("2026-11-27 12:00")  # the page reads "this month" from the office's clock
    page = client.get("/statistik").get_data(as_text=True)
    assert "Bulan ini (November 2026): 3 permohonan" in page and "Sejak awal: 3 permohonan" in page
    skd = page.split("<h3>Surat Keterangan Domisili</h3>")[1].split("<h3>")[0]
    assert ">2</span>" in skd and "Baru 1 · Siap Diambil 1" in skd
    assert "Median waktu selesai: 2 hari kerja" in skd and "tepat waktu: 100%" in skd
    skck = page.split("<h3>Surat Pengantar SKCK</h3>")[1].split("<h3>")[0]
    assert "Median waktu selesai: 4 hari kerja" in skck and "tepat waktu: 0%" in skck
    assert "Siti" not in page and "3201" not in page and "PDK-" not in page


# -- QR codes and posters -------------------------------------------------------------------

@pytest.mark.parametrize("name, url", [
    ("SKD", f"{SITE}/ajukan/SKD"), ("sktm", f"{SITE}/ajukan/SKTM"), ("beranda", f"{SITE}/"),
    ("cek", f"{SITE}/cek"), ("wa", "https://wa.me/6281211112222?text=Halo"),
])
def test_png_qr_codes_decode_to_exactly_the_expected_url(client, name, url):
    response = client.get(f"/qr/{name}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(Image.open(io.BytesIO(response.data))) == {url}


def test_svg_qr_codes_are_svg_and_unknown_names_are_404(client):
    response = client.get("/qr/cek.svg")
    assert response.mimetype == "image/svg+xml" and response.data.startswith(b"<svg")
    assert client.get("/qr/XYZ.png").status_code == 404 and client.get("/qr/cek.gif").status_code == 404


def test_the_poster_png_carries_every_qr_code_and_is_a4_at_200_dpi(runner, tmp_path, office):
    out = tmp_path / "poster.png"
    result = runner.invoke(["poster", "--out", str(out)])
    assert result.exit_code == 0 and "Poster disimpan" in result.output
    image = Image.open(out)
    assert image.size == (1654, 2339)  # A4 at 200 dpi, portrait
    expected = {f"{SITE}/ajukan/{s.code}" for s in office.state.meta.services()}
    assert decode(image) == expected | {f"{SITE}/cek", f"{SITE}/pengaduan", "https://wa.me/6281211112222?text=Halo"}


def test_the_poster_pdf_is_one_a4_page_naming_every_active_service(runner, tmp_path, office):
    out = tmp_path / "poster.pdf"
    assert runner.invoke(["poster", "--out", str(out)]).exit_code == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(reader.pages[0].extract_text().split())
    for service in office.state.meta.services():
        assert service.name.split(" (")[0] in text
    assert "Jam pelayanan" in text


def test_a_one_service_poster_has_a_big_qr_code(runner, tmp_path):
    out = tmp_path / "skck.png"
    assert runner.invoke(["poster", "--out", str(out), "--service", "skck"]).exit_code == 0
    image = Image.open(out)
    big = next(c for c in zxingcpp.read_barcodes(image) if c.text == f"{SITE}/ajukan/SKCK")
    xs = [p.x for p in (big.position.top_left, big.position.top_right)]
    assert max(xs) - min(xs) > image.width / 3  # the code alone spans over a third of the page
    assert runner.invoke(["poster", "--out", str(out), "--service", "NOPE"]).exit_code == 2
    assert runner.invoke(["poster", "--out", str(tmp_path / "x.jpg")]).exit_code == 2


def test_the_poster_page_is_a4_print_ready(client, office):
    page = client.get("/poster").get_data(as_text=True)
    assert "@page{size:A4 portrait" in page
    assert page.count("<svg") == len(office.state.meta.services()) + 3  # the chat, cek and pengaduan
