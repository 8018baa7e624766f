"""The letter in the product: drafted in the sync, numbered from the register, never a number twice."""
from __future__ import annotations

import threading
from dataclasses import replace

import docx
import io
import pytest

from pondok_sheets import create_app
from pondok_sheets.cli.letters import draft_locked
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.letter_codes import verification_code
from pondok_sheets.register.model import Channel

from .conftest import VALID, at


@pytest.fixture
def settings(settings):
    return replace(settings, kode_desa="DS-PDK", kabupaten="Bogor", kecamatan="Cibinong",
                   office_address="Jl. Raya Pondok 1", head_name="H. Ahmad Fauzi")


def landed(office, staff, codes, when="2026-12-01 08:00") -> list[str]:
    """Submit one request per code and sync them into the register."""
    tickets = [submit(office, code, {**VALID, "nama": f"Warga {chr(65 + i % 26)}{i}"}, Channel.FORM, at(when))
               for i, code in enumerate(codes)]
    assert sync(office, at(when)).ok
    return tickets


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_thirty_letters_across_two_services_and_a_new_year_are_numbered_in_turn(office, staff):
    staff.set_where("Layanan", "Kode", "SKU", "Kode Surat", "503")
    tickets = landed(office, staff, ["SKD", "SKU"] * 15, "2026-12-30 09:00")
    for ticket in tickets[:20]:
        staff.set(ticket, "Status", "Diproses")
    report = sync(office, at("2026-12-31 10:00"))
    assert report.ok, report.summary()
    for ticket in tickets[20:]:
        staff.set(ticket, "Status", "Diproses")
    assert sync(office, at("2027-01-02 08:00")).ok
    numbers = {t: staff.row(t)["Nomor Surat"] for t in tickets}
    assert len(set(numbers.values())) == 30
    assert [numbers[t] for t in tickets[:20:2]] == [f"470/{n:03d}/DS-PDK/XII/2026" for n in range(1, 11)]
    assert [numbers[t] for t in tickets[1:20:2]] == [f"503/{n:03d}/DS-PDK/XII/2026" for n in range(1, 11)]
    assert [numbers[t] for t in tickets[20::2]] == [f"470/{n:03d}/DS-PDK/I/2027" for n in range(1, 6)]
    assert [numbers[t] for t in tickets[21::2]] == [f"503/{n:03d}/DS-PDK/I/2027" for n in range(1, 6)]
    assert all(staff.row(t)["Surat"].startswith("https://layanan.desapondok.id/surat/") for t in tickets)


def test_drafting_k_letters_adds_no_google_request(office, staff, store_kind, request):
    if store_kind != "google":
        pytest.skip("request counts are Google's")
    api = request.getfixturevalue("sheets_api")
    tickets = landed(office, staff, ["SKD"] * 6)
    for ticket in tickets:
        staff.set(ticket, "Status", "Diproses")
    before = (api.reads, api.writes)
    assert sync(office, at("2026-12-02 09:00")).ok
    assert all(staff.row(t)["Nomor Surat"] for t in tickets)
    # One read and the header re-read of the cell update; the cell update (Diperbarui, Notifikasi,
    # Nomor Surat, Surat together) and the Log of the six messages: what K status changes cost anyway.
    assert (api.reads - before[0], api.writes - before[1]) == (2, 2)


def test_two_drafts_at_the_same_moment_never_share_a_number(office, staff):
    first, second = landed(office, staff, ["SKD", "SKD"])
    gate = threading.Barrier(2)
    results: dict[str, str] = {}

    def draft(ticket: str) -> None:
        gate.wait()
        results[ticket] = draft_locked(office, ticket, at("2026-12-02 09:00"))[0]

    threads = [threading.Thread(target=draft, args=(t,)) for t in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == ["470/001/DS-PDK/XII/2026", "470/002/DS-PDK/XII/2026"]
    assert {staff.row(t)["Nomor Surat"] for t in (first, second)} == set(results.values())


def test_numbering_continues_from_the_register_when_local_state_is_lost(settings, office, staff, clock):
    tickets = landed(office, staff, ["SKD"] * 3)
    for ticket in tickets:
        staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-12-02 09:00"))
    for path in settings.data_dir.glob("state.sqlite3*"):
        path.unlink()
    fresh = create_app(settings, {"TESTING": True}, clock=clock).extensions["pondok"]
    (late,) = landed(fresh, staff, ["SKD"], "2026-12-03 08:00")
    staff.set(late, "Status", "Diproses")
    assert sync(fresh, at("2026-12-03 09:00")).ok
    assert staff.row(late)["Nomor Surat"] == "470/004/DS-PDK/XII/2026"


def test_a_cancelled_letters_number_is_never_given_again(office, staff):
    cancelled, later = landed(office, staff, ["SKD", "SKD"])
    staff.set(cancelled, "Status", "Diproses")
    sync(office, at("2026-12-02 09:00"))
    assert staff.row(cancelled)["Nomor Surat"] == "470/001/DS-PDK/XII/2026"
    staff.set(cancelled, "Status", "Ditolak")
    staff.set(cancelled, "Nomor Surat", "")  # even if staff clear the cell of the cancelled letter
    staff.set(later, "Status", "Diproses")
    sync(office, at("2026-12-02 10:00"))
    assert staff.row(later)["Nomor Surat"] == "470/002/DS-PDK/XII/2026"


def test_the_ready_message_tells_the_letters_number(office, staff):
    (ticket,) = landed(office, staff, ["SKTM"])
    staff.set(ticket, "Status", "Siap Diambil")  # straight from Baru: numbered first, so the message has it
    sync(office, at("2026-12-02 09:00"))
    number = staff.row(ticket)["Nomor Surat"]
    assert number == "470/001/DS-PDK/XII/2026"
    messages = [text for _, _, _, t, text in office.state.outbox.latest(100) if t == ticket]
    assert f"Nomor surat: {number}" in messages[-1] and "sudah siap diambil" in messages[-1]
    assert "/surat/" not in "\n".join(messages)  # the staff link never goes to the resident


def test_rows_reaching_the_drafting_status_at_once_are_drafted_a_bounded_number_a_sync(office, staff, monkeypatch):
    from pondok_sheets.flow import letters

    monkeypatch.setattr(letters, "MAX_DRAFTS", 2)
    tickets = landed(office, staff, ["SKD"] * 5)
    for ticket in tickets[:2]:
        staff.set(ticket, "Status", "Diproses")
    for ticket in tickets[2:]:
        staff.set(ticket, "Status", "Siap Diambil")  # straight from Baru: its message must carry its number

    def ready_messages(ticket: str) -> list[str]:
        return [text for _, _, _, t, text in office.state.outbox.latest(100) if t == ticket and "siap diambil" in text]

    progress = []
    for minute in ("09:00", "09:02", "09:04"):
        report = sync(office, at(f"2026-12-02 {minute}"))
        assert report.ok, report.summary()
        progress.append(([bool(staff.row(t)["Nomor Surat"]) for t in tickets], report.letters_waiting,
                         [len(ready_messages(t)) for t in tickets[2:]]))
    assert progress == [([True, True, False, False, False], 3, [0, 0, 0]),  # the ready ones wait for their letter
                        ([True, True, True, True, False], 1, [1, 1, 0]),
                        ([True] * 5, 0, [1, 1, 1])]
    assert "3 surat dibuat pada sinkron berikutnya" not in sync(office, at("2026-12-02 09:06")).summary()
    numbers = [staff.row(t)["Nomor Surat"] for t in tickets]
    assert numbers == [f"470/{n:03d}/DS-PDK/XII/2026" for n in range(1, 6)]  # in sheet order, none twice
    for ticket, number in zip(tickets[2:], numbers[2:]):
        assert ready_messages(ticket) == [m for m in ready_messages(ticket) if f"Nomor surat: {number}" in m]


def test_staff_edits_to_rincian_reach_the_letter(office, staff, client):
    (ticket,) = landed(office, staff, ["SKU"])
    cell = staff.row(ticket)["Rincian"]
    assert "Nama usaha: Warung Siti" in cell and "Tempat lahir: Bogor" in cell
    # Staff correct the business name, retype a label in capitals and move lines around.
    lines = [line for line in cell.splitlines() if not line.startswith("Nama usaha")]
    staff.set(ticket, "Rincian", "NAMA  USAHA : Toko Berkah Jaya\n" + "\n".join(reversed(lines)))
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-12-02 09:00"))
    link = staff.row(ticket)["Surat"]
    response = client.get(link.replace("https://layanan.desapondok.id", ""))
    assert response.status_code == 200
    text = text_of(response.data)
    assert "Toko Berkah Jaya" in text and "Warung Siti" not in text and "Bogor" in text
    assert "Siti Aminah" not in text  # the submitted name for this request is "Warga A0"
    assert "Warga A0" in text and "3201014507900001" in text and "2 Desember 2026" in text
    assert staff.row(ticket)["Nomor Surat"] in text


def test_a_redrafted_letters_old_code_says_revoked_and_the_new_one_genuine(office, staff, client):
    (ticket,) = landed(office, staff, ["SKD"])
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-12-02 09:00"))
    old = staff.row(ticket)["Nomor Surat"]
    assert old == "470/001/DS-PDK/XII/2026"
    old_page = f"/verifikasi/{verification_code('test-secret', ticket, old)}"
    assert "Surat ini asli" in client.get(old_page).get_data(as_text=True)
    staff.set(ticket, "Nomor Surat", "")  # staff cancel the letter (a wrong name, say): the sync drafts anew
    sync(office, at("2026-12-02 10:00"))
    new = staff.row(ticket)["Nomor Surat"]
    assert new == "470/002/DS-PDK/XII/2026"
    revoked = client.get(old_page).get_data(as_text=True)
    assert "DICABUT" in revoked and "Surat ini asli" not in revoked and old in revoked
    genuine = client.get(f"/verifikasi/{verification_code('test-secret', ticket, new)}").get_data(as_text=True)
    assert "Surat ini asli" in genuine and new in genuine


def test_the_surat_command_revokes_the_letter_whose_number_staff_cleared(office, staff, client, runner):
    (ticket,) = landed(office, staff, ["SKD"])
    assert runner.invoke(["surat", ticket]).exit_code == 0
    old = staff.row(ticket)["Nomor Surat"]
    staff.set(ticket, "Nomor Surat", "")
    again = runner.invoke(["surat", ticket])
    assert again.exit_code == 0 and "470/002/DS-PDK/" in again.output, again.output
    old_page = client.get(f"/verifikasi/{verification_code('test-secret', ticket, old)}").get_data(as_text=True)
    assert "DICABUT" in old_page and "Surat ini asli" not in old_page


def test_a_letter_is_not_drafted_while_its_rincian_lacks_a_required_answer(office, staff, client):
    (ticket,) = landed(office, staff, ["SKD"])
    cell = staff.row(ticket)["Rincian"]
    assert "Tempat lahir: Bogor" in cell
    staff.set(ticket, "Rincian", "\n".join(line for line in cell.splitlines() if not line.startswith("Tempat lahir")))
    staff.set(ticket, "Status", "Diproses")
    report = sync(office, at("2026-12-02 09:00"))
    assert report.ok and staff.row(ticket)["Nomor Surat"] == "" and staff.row(ticket)["Surat"] == ""
    assert f"Surat {ticket} tidak dibuat: Rincian belum lengkap (Tempat lahir)" in report.summary()

    staff.set(ticket, "Rincian", cell)  # staff fill it in again
    assert sync(office, at("2026-12-02 09:05")).ok
    link = staff.row(ticket)["Surat"]
    assert staff.row(ticket)["Nomor Surat"] and link
    text = text_of(client.get(link.replace("https://layanan.desapondok.id", "")).data)
    assert "Bogor" in text and staff.row(ticket)["Nomor Surat"] in text
