"""Complaints: their tickets, the checks residents see, what the public page shows, the figures."""
from __future__ import annotations

from datetime import date

import pytest

from pondok_sheets.register.complaints import (
    DEFAULT_CATEGORIES,
    PENGADUAN,
    TEXT_MAX,
    ComplaintStatus,
    categories_from,
    check_complaint,
    complaint_row,
    figures,
    is_answered,
    is_complaint_ticket,
    is_ticked,
    new_complaint_ticket,
    public_view,
    records_from,
)
from pondok_sheets.register.table import Table
from pondok_sheets.register.tickets import is_ticket_shaped, normalize_ticket
from pondok_sheets.errors import InvalidInput

FORM = {"kategori": "Jalan dan jembatan", "isi": "Jembatan di RT 03 berlubang, berbahaya untuk motor.",
        "lokasi": "Dekat masjid Al-Ikhlas, Dusun Krajan"}


def test_a_complaint_ticket_never_looks_like_a_request_ticket():
    ticket = new_complaint_ticket("PDK")
    assert ticket.startswith("PDK-A") and len(ticket) == len("PDK-A") + 7
    typed = normalize_ticket(ticket.lower().replace("-", " "), "PDK")
    assert typed == ticket and is_complaint_ticket(typed, "PDK")
    assert not is_ticket_shaped(typed, "PDK")
    assert not is_complaint_ticket("PDK-7K3QM9X", "PDK")
    taken = {ticket}
    assert new_complaint_ticket("PDK", is_taken=taken.__contains__) != ticket


def test_an_anonymous_complaint_is_accepted_and_lands_as_diterima_unpublished():
    complaint = check_complaint(FORM)
    assert complaint.phone is None
    cells = complaint_row(complaint, "PDK-A7K3QM9X", "2026-11-27 09:00")
    assert set(cells) == set(PENGADUAN.headers)
    assert (cells["Status"], cells["Tampilkan"], cells["WhatsApp"]) == ("Diterima", "", "")


def test_a_number_is_kept_only_with_consent_to_be_contacted():
    with pytest.raises(InvalidInput) as refused:
        check_complaint(FORM | {"wa": "0812 3456 7890"})
    assert refused.value.errors == {"kontak": "Centang persetujuan dihubungi bila ingin dikabari lewat WhatsApp, "
                                              "atau kosongkan nomor untuk mengadu tanpa nama."}
    complaint = check_complaint(FORM | {"wa": "0812 3456 7890", "kontak": "on"})
    assert complaint_row(complaint, "PDK-A7K3QM9X", "2026-11-27 09:00")["WhatsApp"] == "+6281234567890"


def test_every_wrong_field_is_explained_at_once():
    with pytest.raises(InvalidInput) as refused:
        check_complaint({"kategori": "Politik", "isi": "x" * (TEXT_MAX + 1), "lokasi": "y" * 201,
                         "wa": "12345", "kontak": "ya"})
    errors = refused.value.errors
    assert errors["kategori"] == "Pilih salah satu kategori pengaduan."
    assert errors["isi"].startswith(f"Isi pengaduan terlalu panjang ({TEXT_MAX + 1} huruf, paling banyak {TEXT_MAX})")
    assert "lokasi" in errors and errors["wa"].startswith("Nomor WhatsApp harus nomor HP Indonesia")
    with pytest.raises(InvalidInput) as empty:
        check_complaint({"kategori": "air bersih", "isi": "   "})
    assert empty.value.errors == {"isi": "Tuliskan isi pengaduan atau saran Anda."}


def test_resident_text_is_neutralised_in_the_sheet_and_shown_as_typed():
    complaint = check_complaint(FORM | {"isi": "=HYPERLINK(\"http://x\")", "lokasi": "+62 dusun"})
    cells = complaint_row(complaint, "PDK-A7K3QM9X", "2026-11-27 09:00")
    assert cells["Isi"].startswith("'=") and cells["Lokasi"].startswith("'+")
    view = public_view(cells | {"Tampilkan": "TRUE"})
    assert view.text == "=HYPERLINK(\"http://x\")"


def grid_row(tampilkan: str, status: str = "Ditindaklanjuti") -> dict[str, str]:
    table = Table("Pengaduan", [list(PENGADUAN.headers), [
        "PDK-A7K3QM9X", "2026-11-27 09:00", "Air bersih", "Air PAM mati tiga hari di RW 02, rumah Pak Budi",
        "RW 02", "+6281234567890", status, "Petugas PDAM dijadwalkan datang Senin.", tampilkan,
        "2026-11-28 10:00", ""]])
    return table.records(PENGADUAN.headers)[0][1]


@pytest.mark.parametrize("tick", ["TRUE", "Ya", "ya", "✓", "✔", "1", "v"])
def test_the_text_is_public_only_when_staff_tick_tampilkan(tick):
    view = public_view(grid_row(tick))
    assert view.text == "Air PAM mati tiga hari di RW 02, rumah Pak Budi"


@pytest.mark.parametrize("tick", ["", "FALSE", "Tidak", "x", "-"])
def test_without_a_tick_the_page_shows_category_status_and_response_only(tick):
    view = public_view(grid_row(tick))
    assert view.text is None
    assert (view.category, view.received, view.status) == ("Air bersih", date(2026, 11, 27), "Ditindaklanjuti")
    assert view.response == "Petugas PDAM dijadwalkan datang Senin."
    assert "+628" not in repr(view) and "RW 02" not in repr(view)  # no number, no location on a public page


def test_an_unknown_status_reads_as_diterima_and_statuses_parse_loosely():
    assert public_view(grid_row("", status="sedang dicek")).status == "Diterima"
    assert ComplaintStatus.parse(" tidak dapat  ditindaklanjuti ") is ComplaintStatus.TIDAK_DAPAT
    assert is_ticked("TRUE") and not is_ticked("FALSE")


def test_figures_count_per_category_and_take_the_median_working_days_to_a_response():
    result = figures([
        ("Air bersih", date(2026, 11, 23), date(2026, 11, 24)),  # Mon -> Tue: 1
        ("Air bersih", date(2026, 11, 27), date(2026, 11, 30)),  # Fri -> Mon: 1 (weekend not counted)
        ("Jalan dan jembatan", date(2026, 11, 23), date(2026, 11, 26)),  # 3
        ("Jalan dan jembatan", date(2026, 11, 25), None),  # not answered yet
    ])
    assert result.by_category == {"Air bersih": 2, "Jalan dan jembatan": 2}
    assert (result.median_days, result.answered) == (1, 3)
    assert figures([]).median_days is None


def test_a_resident_is_told_only_once_there_is_a_response_and_a_status_past_diterima():
    assert is_answered(grid_row(""))
    assert not is_answered(grid_row("", status="Diterima"))
    assert not is_answered(grid_row("") | {"Tanggapan": "  "})
    rows = [grid_row(""), grid_row("") | {"Tiket": "PDK-A22222222", "Masuk": "2026-11-30 08:00"}]
    assert records_from(rows, {"PDK-A7K3QM9X": "2026-11-30 09:00"}) == [
        ("Air bersih", date(2026, 11, 27), date(2026, 11, 30)), ("Air bersih", date(2026, 11, 30), None)]


def test_staff_can_edit_the_category_list():
    assert categories_from(["1. Air bersih", "- Jalan desa", "air bersih", ""]) == ("Air bersih", "Jalan desa")
    assert categories_from([]) == DEFAULT_CATEGORIES
    assert check_complaint(FORM | {"kategori": "jalan desa"}, ("Air bersih", "Jalan desa")).category == "Jalan desa"
