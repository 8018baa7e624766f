"""The resident's pages through the Flask test client: list, form, receipt, look-up, errors."""
from __future__ import annotations

from pondok_sheets.register.model import Channel

from .conftest import VALID, at, csrf_token
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync


def form_post(client, code: str, fields: dict, token: str | None = "from-page"):
    if token == "from-page":
        token = csrf_token(client.get(f"/ajukan/{code}").get_data(as_text=True))
    data = dict(fields)
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/ajukan/{code}", data=data)


def test_the_landing_page_lists_active_services_with_requirements_and_days(client):
    page = client.get("/").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in page and "Surat Pengantar SKCK" in page
    assert "Surat pengantar RT/RW" in page and "Selesai dalam 2 hari kerja" in page
    assert 'href="/ajukan/SKD"' in page and 'lang="id"' in page


def test_a_service_staff_switched_off_is_not_offered(client, office, staff):
    staff.set_where("Layanan", "Kode", "SKM", "Aktif", "Tidak")
    sync(office, at("2026-11-27 09:00"))
    assert "Surat Keterangan Kematian" not in client.get("/").get_data(as_text=True)
    assert client.get("/ajukan/SKM").status_code == 404


def test_the_form_round_trip_ends_on_the_receipt(client, office, staff):
    page = client.get("/ajukan/skd").get_data(as_text=True)
    assert "Fotokopi Kartu Keluarga" in page  # requirements before the fields
    assert page.index("Fotokopi Kartu Keluarga") < page.index('name="nama"')
    response = form_post(client, "SKD", VALID)
    assert response.status_code == 303
    ticket = response.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket in receipt and "Surat Keterangan Domisili" in receipt and "Baru" in receipt
    assert 'name="robots" content="noindex"' in receipt
    assert "Siti" not in receipt and "3201014507900001" not in receipt and "3456" not in receipt
    sync(office, at("2026-11-27 09:00"))
    assert staff.row(ticket)["Saluran"] == "Formulir"


def test_a_missing_or_wrong_csrf_token_is_refused_and_stores_nothing(client, office):
    for token in (None, "forged-token"):
        response = form_post(client, "SKD", VALID, token=token)
        assert response.status_code == 400
        assert "Formulir sudah kedaluwarsa atau tidak sah" in response.get_data(as_text=True)
    assert office.state.queue.pending() == []


def test_an_invalid_submission_shows_each_error_keeps_the_values_and_changes_nothing(client, office, staff):
    before = staff.rows()
    response = form_post(client, "SKD", {**VALID, "nik": "12345", "wa": "+60 12-345 6789", "setuju": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "NIK harus 16 angka" in page and "Nomor WhatsApp harus nomor HP Indonesia" in page
    assert "Centang persetujuan" in page
    assert 'value="Siti Aminah"' in page and "Untuk melamar kerja" in page and 'value="12345"' in page
    assert office.state.queue.pending() == []
    sync(office, at("2026-11-27 09:00"))
    assert staff.rows() == before


def test_a_status_check_finds_a_ticket_typed_carelessly(client, office):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    typed = ticket.lower().replace("-", " ")
    response = client.get("/cek", query_string={"tiket": typed})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/tiket/{ticket}")


def test_unknown_tickets_and_services_get_a_friendly_page_in_indonesian(client):
    for url, words in [("/tiket/PDK-ZZZZZZZ", "Tiket itu tidak kami temukan"),
                       ("/ajukan/NOPE", "Layanan itu tidak ada"),
                       ("/tidak/ada", "Alamat yang Anda buka tidak ada")]:
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and words in page and "Traceback" not in page
    response = client.get("/cek", query_string={"tiket": "PDK-ZZZZZZZ"})
    assert response.status_code == 404 and "belum kami temukan" in response.get_data(as_text=True)


def test_a_wrong_method_gets_a_friendly_page(client):
    response = client.delete("/")
    assert response.status_code == 405 and "Cara membuka halaman ini salah" in response.get_data(as_text=True)


def test_health_check_answers_without_a_sync_yet_that_none_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "gagal"
    assert "belum ada sinkron" in response.get_json()["alasan"]
