"""The letter's faces: the staff link (403 unless signed and fresh), /verifikasi, the fields, a bad template."""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from datetime import timedelta

import docx
import pytest

from pondok_sheets import create_app
from pondok_sheets.cli import cli
from pondok_sheets.documents.letters import builtin_template
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.letter_codes import verification_code
from pondok_sheets.register.model import Channel
from pondok_sheets.whatsapp.chat import Chat, Incoming
from pondok_sheets.register.validation import parse_phone
from pondok_sheets.flow.catalogue import lookup

from .conftest import VALID, at, csrf_token

BASE = "https://layanan.desapondok.id"


@pytest.fixture
def settings(settings):
    return replace(settings, kode_desa="DS-PDK", kabupaten="Bogor", head_name="H. Ahmad Fauzi")


def drafted(office, staff, code="SKD", when="2026-12-02 09:00") -> tuple[str, str, str]:
    """A request submitted, synced, set to Diproses by staff and drafted: (ticket, number, link path)."""
    ticket = submit(office, code, VALID, Channel.FORM, at("2026-12-01 08:00"))
    sync(office, at("2026-12-01 08:00"))
    staff.set(ticket, "Status", "Diproses")
    report = sync(office, at(when))
    row = staff.row(ticket)
    assert report.ok and row["Nomor Surat"], report.summary()
    return ticket, row["Nomor Surat"], row["Surat"].replace(BASE, "")


def test_a_signed_link_serves_the_letter_and_any_other_gets_403(office, staff, client, clock):
    ticket, number, path = drafted(office, staff)
    clock.moment = at("2026-12-02 10:00")
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert number in text and "Siti Aminah" in text and "2 Desember 2026" in text
    token = path.rsplit("/", 1)[1]
    head, expires, signature = token.split(".")
    forged = [f"/surat/{ticket}", f"/surat/{head}.{int(expires) + 86400}.{signature}",
              f"/surat/{head}.{expires}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"]
    for url in forged:
        refused = client.get(url)
        assert refused.status_code == 403 and "Tautan surat tidak sah" in refused.get_data(as_text=True)
    clock.moment = at("2026-12-02 10:00") + timedelta(days=31)
    expired = client.get(path)
    assert expired.status_code == 403 and "kedaluwarsa" in expired.get_data(as_text=True)


def test_the_link_never_reaches_a_public_page(office, staff, client):
    ticket, number, path = drafted(office, staff)
    for page in (f"/tiket/{ticket}", "/statistik", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "/surat/" not in html and number not in html


def test_verification_shows_the_facts_and_never_the_nik_or_the_number(office, staff, client, store_kind, request):
    ticket, number, _ = drafted(office, staff)
    code = verification_code("test-secret", ticket, number)
    counts = None
    if store_kind == "google":
        api = request.getfixturevalue("sheets_api")
        counts = (api.reads, api.writes)
    page = client.get(f"/verifikasi/{code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Surat ini asli" in html
    assert number in html and "Surat Keterangan Domisili" in html and "2 Desember 2026" in html
    assert "Pondok" in html and "S*** A*****" in html
    assert "Siti Aminah" not in html and "3201014507900001" not in html and "3456" not in html
    assert "Kampung Pondok" not in html and ticket not in html  # no Rincian, no ticket
    if counts is not None:
        assert (api.reads, api.writes) == counts  # answered from the local snapshot

    staff.set(ticket, "Status", "Ditolak")
    sync(office, at("2026-12-03 09:00"))
    revoked = client.get(f"/verifikasi/{code}").get_data(as_text=True)
    assert "DICABUT" in revoked and "Surat ini asli" not in revoked


def test_dicabut_in_the_surat_cell_revokes_a_collected_letter_without_telling_the_resident(
        office, staff, client, runner):
    ticket, number, _ = drafted(office, staff)
    staff.set(ticket, "Status", "Selesai")  # collected: the resident was told it is done
    sync(office, at("2026-12-03 09:00"))
    told = [text for _, _, _, t, text in office.state.outbox.latest(100) if t == ticket]
    assert "sudah selesai" in told[-1]
    staff.set(ticket, "Surat", "DICABUT salah tanggal lahir " + staff.row(ticket)["Surat"])
    assert sync(office, at("2026-12-04 09:00")).ok
    page = client.get(f"/verifikasi/{verification_code('test-secret', ticket, number)}").get_data(as_text=True)
    assert "DICABUT" in page and "Surat ini asli" not in page
    assert [text for _, _, _, t, text in office.state.outbox.latest(100) if t == ticket] == told
    assert "belum dapat kami proses" not in "\n".join(told)
    refused = runner.invoke(["surat", ticket])  # a fresh link would erase the mark
    assert refused.exit_code != 0 and "sudah dicabut" in refused.output
    assert staff.row(ticket)["Surat"].startswith("DICABUT") and staff.row(ticket)["Nomor Surat"] == number


def test_an_unknown_code_says_the_letter_may_not_be_genuine(client):
    page = client.get("/verifikasi/ABCDEFGHJKMNPQ")
    assert page.status_code == 404
    assert "tidak ditemukan — surat ini mungkin tidak asli" in page.get_data(as_text=True)


def test_verification_look_ups_are_rate_limited(client):
    codes = [client.get(f"/verifikasi/ABCDEFGHJK{i:04d}").status_code for i in range(61)]
    assert codes[:60] == [404] * 60 and codes[60] == 429
    neighbour = client.get("/verifikasi/ABCDEFGHJKMNPQ", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert neighbour.status_code == 404  # counted per address: another phone still gets its answer


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed here")
def test_the_signed_link_serves_a_pdf_where_libreoffice_is_installed(office, staff, client, monkeypatch, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    ticket, number, path = drafted(office, staff)
    pdf = client.get(f"{path}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store" and f"SKD-{ticket}.pdf" in pdf.headers["Content-Disposition"]
    assert number in pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    head, expires, signature = path.rsplit("/", 1)[1].split(".")
    tampered = client.get(f"/surat/{head}.{int(expires) + 86400}.{signature}/pdf")
    assert tampered.status_code == 403 and "Tautan surat tidak sah" in tampered.get_data(as_text=True)
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a host without LibreOffice
    missing = client.get(f"{path}/pdf")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "PDF tidak tersedia" in html and "Google Dokumen" in html
    assert client.get(path).status_code == 200  # the .docx still comes


def bad_template(folder, code="SKD") -> None:
    document = docx.Document(str(builtin_template(code)))
    document.add_paragraph("Nama ibu kandung: {{ nama_ibu_kandung }}")
    folder.mkdir(parents=True, exist_ok=True)
    document.save(str(folder / f"{code}.docx"))


def test_a_bad_template_is_reported_by_doctor_and_refused_at_drafting(office, staff, runner, settings):
    bad_template(settings.templates_dir)
    result = runner.invoke(["doctor"])
    assert "nama_ibu_kandung" in result.output and "SKD.docx" in result.output
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-12-01 08:00"))
    sync(office, at("2026-12-01 08:00"))
    staff.set(ticket, "Status", "Diproses")
    before = staff.row(ticket)
    report = sync(office, at("2026-12-02 09:00"))
    assert "nama_ibu_kandung" in report.summary()
    after = staff.row(ticket)
    assert (after["Nomor Surat"], after["Surat"]) == ("", "")
    assert {k: v for k, v in after.items() if k not in ("Notifikasi", "Diperbarui")} == \
        {k: v for k, v in before.items() if k not in ("Notifikasi", "Diperbarui")}
    command = runner.invoke(["surat", ticket])
    assert command.exit_code != 0 and "nama_ibu_kandung" in command.output
    assert staff.row(ticket)["Nomor Surat"] == ""


def test_a_template_replaced_after_it_was_checked_is_checked_again(office, staff, settings):
    import os

    settings.templates_dir.mkdir(parents=True, exist_ok=True)
    own = settings.templates_dir / "SKD.docx"
    shutil.copy(builtin_template("SKD"), own)  # the office's own copy: good
    first, second, third = [submit(office, "SKD", VALID, Channel.FORM, at("2026-12-01 08:00")) for _ in range(3)]
    sync(office, at("2026-12-01 08:00"))
    staff.set(first, "Status", "Diproses")
    assert sync(office, at("2026-12-02 09:00")).ok and staff.row(first)["Nomor Surat"]  # checked, remembered
    bad_template(settings.templates_dir)  # staff replace it with one that asks for an unknown field
    stamp = own.stat().st_mtime_ns + 1_000_000_000
    os.utime(own, ns=(stamp, stamp))  # a later file, even on a file system with coarse times
    staff.set(second, "Status", "Diproses")
    report = sync(office, at("2026-12-02 09:02"))
    assert "nama_ibu_kandung" in report.summary() and staff.row(second)["Nomor Surat"] == ""
    shutil.copy(builtin_template("SKD"), own)  # and put the good one back
    os.utime(own, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    staff.set(third, "Status", "Diproses")
    assert sync(office, at("2026-12-02 09:04")).ok
    assert staff.row(second)["Nomor Surat"] and staff.row(third)["Nomor Surat"]


def doctor_line(result, start: str) -> str:
    (line,) = [line for line in result.output.splitlines() if start in line]
    return line


def test_doctor_says_per_service_whether_the_offices_own_template_or_the_built_in_one_is_used(
        settings, runner, tmp_path, clock):
    line = doctor_line(runner.invoke(["doctor"]), "Templat surat:")
    assert "templat kantor dipakai" not in line and "templat bawaan dipakai untuk SKD, SKTM" in line
    assert "PONDOK_LETTER_DIR" in line and "Render" in line  # the uploads sit in the data folder a host may wipe
    repo = tmp_path / "salinan-repo" / "surat"
    repo.mkdir(parents=True)
    shutil.copy(builtin_template("SKU"), repo / "SKU.docx")
    app = create_app(replace(settings, letter_dir=repo), {"TESTING": True}, clock=clock)
    result = app.test_cli_runner().invoke(cli, ["doctor"])
    line = doctor_line(result, "Templat surat:")
    assert "templat kantor dipakai untuk SKU;" in line and "SKU" not in line.split("bawaan", 1)[1]
    assert "Render" not in line  # a folder of the office's repository copy survives a wiped disk
    assert "[OK] Templat surat semua layanan bisa dipakai." in result.output


def test_the_surat_command_drafts_once_then_only_renews_the_link(office, staff, runner):
    ticket = submit(office, "SKCK", VALID, Channel.FORM, at("2026-12-01 08:00"))
    sync(office, at("2026-12-01 08:00"))
    first = runner.invoke(["surat", ticket])
    assert first.exit_code == 0 and "470/001/DS-PDK/" in first.output, first.output
    again = runner.invoke(["surat", ticket.lower()])
    assert again.exit_code == 0 and "470/001/DS-PDK/" in again.output
    assert staff.row(ticket)["Nomor Surat"].startswith("470/001/")


# -- the fields ---------------------------------------------------------------------------

SCHOOL = "Nama sekolah | sekolah | wajib | teks\nKelas | kelas | opsional | angka"


def test_the_form_shows_exactly_the_services_fields(office, staff, client):
    sku = client.get("/ajukan/SKU").get_data(as_text=True)
    assert 'name="nama_usaha"' in sku and 'name="alamat_usaha"' in sku and 'name="nama_almarhum"' not in sku
    staff.set_where("Layanan", "Kode", "SKTM", "Isian", SCHOOL)
    sync(office, at("2026-12-01 08:00"))
    form = client.get("/ajukan/SKTM").get_data(as_text=True)
    names = set(re.findall(r"<(?:input|select|textarea)[^>]* name=\"([a-z_]+)\"", form)) - {"csrf_token", "situs_web", "kiriman"}
    assert names == {"nama", "nik", "wa", "keterangan", "setuju", "sekolah", "kelas"}
    assert "Kelas (tidak wajib)" in form


def test_a_missing_required_field_is_refused_by_name(office, staff, client):
    staff.set_where("Layanan", "Kode", "SKTM", "Isian", SCHOOL)
    sync(office, at("2026-12-01 08:00"))
    token = csrf_token(client.get("/ajukan/SKTM").get_data(as_text=True))
    refused = client.post("/ajukan/SKTM", data={**VALID, "csrf_token": token, "kelas": "tiga"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nama sekolah wajib diisi." in html and "Kelas harus berupa angka." in html
    assert office.state.queue.pending() == []
    fine = client.post("/ajukan/SKTM", data={**VALID, "csrf_token": token, "sekolah": "SMPN 1 Pondok"})
    assert fine.status_code == 303
    (queued,) = office.state.queue.pending()
    sync(office, at("2026-12-01 09:00"))
    assert staff.row(queued.ticket)["Rincian"] == "Nama sekolah: SMPN 1 Pondok"


class Desk:
    def __init__(self, office):
        self.office = office

    def services(self, active_only=True):
        return self.office.state.meta.services(active_only)

    def lookup(self, text):
        return lookup(self.office, text)

    def submit(self, code, fields, now):
        return submit(self.office, code, fields, Channel.WHATSAPP, now)


def test_the_chat_asks_the_services_fields_in_order(office, staff):
    staff.set_where("Layanan", "Kode", "SKD", "Isian",
                    "Tempat lahir | tempat_lahir | wajib | teks\n"
                    "Jenis kelamin | jenis_kelamin | wajib | pilihan: Laki-laki, Perempuan\n"
                    "Dusun | dusun | opsional | teks")
    sync(office, at("2026-12-01 08:00"))
    chat = Chat(Desk(office), office.state.chats, office.state.contacts, office.links, "Pondok", "PDK")
    phone = parse_phone("0813-5555-0000")
    now = at("2026-12-01 08:05")

    def say(text: str) -> str:
        return chat.handle(Incoming(phone, text), now)[-1][0]

    say("halo")
    say("SKD")
    say("Siti Aminah")
    assert say("3201014507900001").startswith("Tempat lahir?")
    assert say("Bogor").startswith("Jenis kelamin? Balas dengan nomornya:\n1. Laki-laki\n2. Perempuan")
    assert say("3").startswith("Jenis kelamin?")  # re-asked after the reason
    assert say("2").startswith("Dusun?")
    assert say("-").startswith("Untuk keperluan apa")
    summary = say("Melamar kerja")
    assert "- Tempat lahir: Bogor\n- Jenis kelamin: Perempuan\n" in summary and "Dusun" not in summary
    assert "Nomor tiket" in say("YA")
    (queued,) = office.state.queue.pending()
    assert queued.row["Rincian"] == "Tempat lahir: Bogor\nJenis kelamin: Perempuan"


def test_the_browser_opens_the_verification_page_at_360px(live_server, phone_page, office, staff):
    ticket, number, _ = drafted(office, staff)
    code = verification_code("test-secret", ticket, number)
    phone_page.goto(f"{live_server}/verifikasi/{code}")
    assert phone_page.get_by_text("Surat ini asli").is_visible()
    assert number in phone_page.locator("main").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.goto(f"{live_server}/verifikasi/ZZZZZZZZZZZZZZ")
    assert phone_page.get_by_text("surat ini mungkin tidak asli").is_visible()


def test_a_google_form_maps_the_fields_by_question_title(sheets_api, tmp_path):
    from .test_google_form import linked_office, stamp

    headers = ["Timestamp", "Nama lengkap", "NIK", "Nomor WhatsApp", "Jenis surat", "Tempat lahir",
               "Jenis kelamin *", "Nama usaha"]
    ani = [stamp("2026-12-01 09:00:00"), "Ani", "3201014507900001", "0813-5555-0000", "Surat Keterangan Usaha",
           "Bogor", "perempuan", "Warung Ani"]
    budi = [stamp("2026-12-01 09:01:00"), "Budi", "3201014507900001", "0813-5555-0001", "Surat Keterangan Usaha",
            "Bogor", "pria", "Bengkel Budi"]
    office, staff, _ = linked_office(sheets_api, tmp_path, headers=headers, rows=[ani, budi])
    assert sync(office, at("2026-12-01 09:05")).ok
    rows = {r["Nama"]: r for r in staff.rows() if r["Saluran"] == "Google Form"}
    assert rows["Ani"]["Status"] == "Baru"
    assert rows["Ani"]["Rincian"] == "Tempat lahir: Bogor\nJenis kelamin: Perempuan\nNama usaha: Warung Ani"
    # A question the form asks but answered wrongly: kept for staff, the request marked incomplete.
    assert rows["Budi"]["Status"] == "Perlu Dilengkapi" and "Jenis kelamin harus salah satu" in rows["Budi"]["Catatan"]
    assert "Jenis kelamin: pria" in rows["Budi"]["Rincian"]
