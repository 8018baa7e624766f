"""The resident's pages and the printed posters: weight, masking, spam defences, QR codes, statistics."""
from __future__ import annotations

import dataclasses
import gzip
import html
import io
import re
import threading
from urllib.parse import parse_qs, urlparse

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

def test_every_page_is_under_60_kb_with_what_it_loads_and_no_outside_resource(client, office):
    assert office.settings.public_url == SITE  # the poster's QR codes carry a real https address
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    for url in ["/", "/ajukan/SKD", f"/tiket/{ticket}", "/cek", "/statistik", "/poster", "/tidak-ada"]:
        page = client.get(url).get_data(as_text=True)
        loaded = re.findall(r'(?:src|href)="(/static/[^"?]+)', page)  # favicon, style sheet, script
        assert len(page.encode()) + sum(len(client.get(u).data) for u in set(loaded)) < BUDGET, url
        assert "Desa Pondok" in page and 'rel="icon"' in page and "/static/favicon.svg" in loaded, url
        assert not re.search(r'(src|href)="(https?:)?//(?!wa\.me)', page), url  # no CDN, no web font



@pytest.mark.parametrize("url", ["/", "/ajukan/SKD", "/cek", "/statistik", "/poster", "/qr/cek.svg", "/static/site.css",
                                 "TICKET"])
def test_a_phone_that_takes_gzip_gets_the_same_page_smaller_and_its_second_view_is_a_304(client, office, url):
    url = f"/tiket/{intake.submit(office, 'SKD', VALID, Channel.FORM)}" if url == "TICKET" else url
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200 and "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    one_time = re.compile(rb'value="[\w.-]{32,}"')  # the form's CSRF token and submission id, new per render
    assert one_time.sub(b"", gzip.decompress(zipped.data)) == one_time.sub(b"", plain.data)
    assert len(zipped.data) < len(plain.data) * (0.6 if len(plain.data) > 2000 else 0.9)
    if "ETag" not in plain.headers:
        return  # the form and other pages that change per view carry no ETag, so are never a 304
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # a cache never swaps one body for the other
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_a_form_sent_back_with_its_errors_is_never_compressed(client):
    # It echoes what was posted beside the CSRF token: compressed, its length would leak the token (BREACH).
    form = client.get("/ajukan/SKD").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    refused = client.post("/ajukan/SKD", headers={"Accept-Encoding": "gzip"},
                          data={"csrf_token": token, "nama": "Siti Aminah " * 40, "nik": "12345", "wa": "", "setuju": ""})
    assert refused.status_code == 422 and "Content-Encoding" not in refused.headers
    assert "Siti Aminah" in refused.get_data(as_text=True)  # the echo that makes it matter


def test_a_ticket_page_shows_a_sync_from_another_thread_at_once(client, office, staff):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-25 09:00"))
    first = client.get(f"/tiket/{ticket}")
    assert 'class="status baru"' in first.get_data(as_text=True)
    staff.set(ticket, "Status", "Siap Diambil")
    worker = threading.Thread(target=sync, args=(office, at("2026-11-25 10:00")))  # as the tick or inbox worker
    worker.start()
    worker.join()
    again = client.get(f"/tiket/{ticket}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and 'class="status siap"' in again.get_data(as_text=True)


def test_the_landing_page_lists_services_by_name_with_an_index_at_the_top(client, office):
    page = client.get("/").get_data(as_text=True)
    index = page.split('<nav class="card index"')[1].split("</nav>")[0]
    for service in office.state.meta.services():
        assert f'<a href="#layanan-{service.code.lower()}">{service.name}</a>' in index
        assert f'id="layanan-{service.code.lower()}"' in page and f">Ajukan {service.name}</a>" in page
        assert f">Ajukan {service.code}<" not in page
    assert page.index("Daftar layanan") < page.index("Cek status")


def test_the_landing_page_offers_the_chat_the_status_box_and_office_hours(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="https://wa.me/6281211112222?text=Halo"' in page
    assert 'action="/cek"' in page and "Senin–Kamis 08.00–15.00" in page


# -- the form's defences --------------------------------------------------------------------

def test_a_filled_honeypot_stores_nothing(client, office):
    response = submit(client, situs_web="http://spam.example")
    assert response.status_code == 422 and "Permohonan tidak bisa diproses" in response.get_data(as_text=True)
    assert office.state.queue.pending() == []


def test_residents_sharing_an_address_get_through_and_refused_forms_get_a_friendly_429(client, office):
    for i in range(25):
        assert submit(client, nama=f"Warga {chr(65 + i)}").status_code == 303  # residents behind one CGNAT address
    for _ in range(10):
        assert submit(client, nama="").status_code == 422  # empty fields are refused, and counted
    response = submit(client, nama="")
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Terlalu banyak permintaan" in page and "Tunggu sebentar" in page
    assert response.headers["Retry-After"]
    assert len(office.state.queue.pending()) == 25
    other = client.post("/ajukan/SKD", data={}, environ_base={"REMOTE_ADDR": "10.9.8.7"},
                        headers={"X-Forwarded-For": "203.0.113.9"})
    assert other.status_code == 400  # another address is not blocked


def test_ticket_look_ups_are_rate_limited(client):
    codes = [client.get("/cek", query_string={"tiket": f"PDK-AAAA{i:03d}"}).status_code for i in range(61)]
    assert codes[:60] == [404] * 60 and codes[60] == 429


# -- receipt ------------------------------------------------------------------------------

def test_the_receipt_thanks_shows_no_name_at_all_and_says_what_happens_next(client, office):
    response = submit(client, nama="Budi Santoso")
    assert response.headers["Location"].endswith("?kabar=baru")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Terima kasih, permohonan Anda sudah kami terima." in page and "<h1>Permohonan Anda</h1>" in page
    assert "Budi" not in page and "Santoso" not in page and "B***" not in page  # no name, not even masked
    assert "3201014507900001" not in page and "3456" not in page
    assert "Apa selanjutnya" in page and "Kami kabari lewat WhatsApp setiap kali statusnya berubah" in page
    assert "Fotokopi Kartu Keluarga" in page and "Selesai dalam 2 hari kerja" in page
    ticket = response.headers["Location"].split("/tiket/")[1].split("?")[0]
    assert "<svg" in page and f"{SITE}/tiket/{ticket}" in page
    share = re.search(r'href="(https://wa.me/\?text=[^"]+)"', page).group(1)
    (typed,) = parse_qs(urlparse(html.unescape(share)).query)["text"]  # what WhatsApp types for the resident
    assert re.fullmatch(rf"Tiket {ticket} \(.+\): cek status di {re.escape(SITE)}/tiket/{ticket}", typed), typed
    assert "Terima kasih" not in client.get(f"/tiket/{ticket}").get_data(as_text=True)  # looked up later


def test_the_timeline_lists_each_status_with_its_date_in_indonesian(client, office, staff):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-25 09:00"))
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-26 10:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-12-02 04:37"))
    page = client.get(f"/tiket/{ticket}").get_data(as_text=True)
    timeline = re.findall(r"<li>(.*?) — (.*?)</li>", page)
    assert timeline == [("Baru", "25 November 2026, 09.00 WIB"), ("Diproses", "26 November 2026, 10.00 WIB"),
                        ("Siap Diambil", "2 Desember 2026, 04.37 WIB")]
    assert "Surat sudah siap. Ambil di kantor desa" in page and 'class="status siap"' in page
    assert "Data per 2 Desember 2026, 04.37 WIB" in client.get("/statistik").get_data(as_text=True)


@pytest.mark.parametrize("status, colour, sentence", [
    ("Perlu Dilengkapi", "lengkapi", "Ada yang perlu Anda lengkapi"),
    ("Ditolak", "tolak", "tidak dapat kami proses"),
    ("Selesai", "selesai", "permohonan ini selesai"),
])
def test_each_status_is_explained_and_coloured_by_its_meaning(client, office, staff, status, colour, sentence):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-25 09:00"))
    staff.set(ticket, "Status", status)
    sync(office, at("2026-11-25 10:00"))
    page = client.get(f"/tiket/{ticket}").get_data(as_text=True)
    assert f'<span class="status {colour}">{status}</span>' in page and sentence in page
    assert "Apa selanjutnya" not in page


# -- a double tap, a back button ------------------------------------------------------------

def test_two_posts_of_one_form_render_file_one_request_and_send_one_confirmation(client, office, staff):
    html = client.get("/ajukan/SKD").get_data(as_text=True)
    fields = {**VALID, "csrf_token": csrf_token(html),
              "kiriman": re.search(r'name="kiriman" value="([0-9a-f]{32})"', html).group(1)}
    first = client.post("/ajukan/SKD", data=fields)
    again = client.post("/ajukan/SKD", data={**fields, "keterangan": "ketuk dua kali"})
    ticket = first.headers["Location"].split("/tiket/")[1].split("?")[0]
    assert again.status_code == 303 and again.headers["Location"] == f"/tiket/{ticket}?kabar=ulang"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "sudah kami terima sebelumnya, jadi tidak kami catat dua kali" in page
    report = sync(office, at("2026-11-27 09:00"))
    assert report.flushed == 1 and [r["Tiket"] for r in staff.rows()] == [ticket]
    assert [t for _, _, _, t, _ in office.state.outbox.latest()] == [ticket]


def test_the_same_answers_again_within_a_minute_show_the_first_ticket_and_say_so(client, office):
    office.clock.moment = at("2026-11-27 09:00:10")
    first = submit(client).headers["Location"]  # each submit() renders the form afresh: a new id
    office.clock.moment = at("2026-11-27 09:00:50")
    second = submit(client)
    ticket = first.split("/tiket/")[1].split("?")[0]
    assert second.headers["Location"] == f"/tiket/{ticket}?kabar=sama"
    assert "Permohonan yang sama baru saja Anda kirim" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert len(office.state.queue.pending()) == 1
    assert submit(client, keterangan="Untuk beasiswa").headers["Location"].endswith("?kabar=baru")  # other answers
    office.clock.moment = at("2026-11-27 09:03:00")
    assert submit(client).headers["Location"].endswith("?kabar=baru")  # minutes later: a new request
    assert len(office.state.queue.pending()) == 3


# -- security headers -------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/ajukan/SKD", "/cek", "/statistik", "/poster", "/qr/cek.svg", "/tidak-ada",
                                 "/static/site.css", "/healthz"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Server" not in response.headers


def test_no_page_has_inline_script_or_style(client, office):
    ticket = intake.submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    for url in ["/", "/ajukan/SKD", f"/tiket/{ticket}", "/cek", "/statistik", "/poster", "/tidak-ada"]:
        page = client.get(url).get_data(as_text=True)
        assert "<style" not in page and " style=" not in page and not re.search(r"<script(?![^>]*\ssrc=)", page), url


def test_the_session_cookie_is_secure_and_same_site_behind_https(client):
    cookie = client.get("/ajukan/SKD").headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_waitress_with_the_shared_ident_names_no_server(app):
    import urllib.request

    from waitress.server import create_server

    from pondok_sheets.web.headers import SERVER_IDENT
    from .fakes.server import waitress_thread

    server = create_server(app, host="127.0.0.1", port=0, ident=SERVER_IDENT)
    with waitress_thread(server) as origin, urllib.request.urlopen(f"{origin}/cek") as answer:
        assert answer.headers.get("Server") is None and answer.headers.get("Via") is None
        assert answer.headers["X-Frame-Options"] == "DENY"


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
    assert decode(image) == expected | {f"{SITE}/cek", f"{SITE}/pengaduan", f"{SITE}/survei",
                                        "https://wa.me/6281211112222?text=Halo"}


def test_the_poster_pdf_is_one_a4_page_naming_every_active_service(runner, tmp_path, office):
    out = tmp_path / "poster.pdf"
    assert runner.invoke(["poster", "--out", str(out)]).exit_code == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(reader.pages[0].extract_text().split())
    for service in office.state.meta.services():
        assert service.name + " Selesai dalam" in text  # whole, never cut short with "…"
    assert "Surat Keterangan Tidak Mampu (SKTM)" in text and "Jam pelayanan" in text
    assert "Survei kepuasan (ketik nomor tiket)" in text and "Pengaduan dan saran" in text


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
    assert "@page{size:A4 portrait" in client.get("/static/poster.css").get_data(as_text=True)
    assert page.count("<svg") == len(office.state.meta.services()) + 4  # the chat, cek, pengaduan and survei
    assert "Survei kepuasan (ketik nomor tiket)" in page
