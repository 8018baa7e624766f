"""Per-service extra fields (Isian), residents' answers, the Rincian cell, and Indonesian dates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pondok_sheets.register.catalog import DEFAULT_SERVICES
from pondok_sheets.register.dates import date_time, long_date, roman_month
from pondok_sheets.register.fields import (DEFAULT_FIELDS, DEFAULT_FORMS, FieldSpecError, check_answers,
                                           format_rincian, parse_date, parse_fields, parse_rincian)

BIRTH = """\
Tempat lahir | tempat_lahir | wajib | teks
Tanggal lahir | tanggal_lahir | wajib | tanggal
Jenis kelamin | jenis_kelamin | wajib | pilihan: Laki-laki, Perempuan
Dusun | dusun | opsional
"""


def test_every_built_in_service_has_default_fields_that_parse():
    assert set(DEFAULT_FIELDS) == {s.code for s in DEFAULT_SERVICES}
    keys = {code: {f.key for f in form} for code, form in DEFAULT_FORMS.items()}
    assert {"nama_usaha", "jenis_usaha", "alamat_usaha"} <= keys["SKU"]
    assert {"nama_almarhum", "tanggal_meninggal", "tempat_meninggal", "sebab_meninggal"} <= keys["SKM"]
    assert {"nama_bayi", "tanggal_lahir_bayi", "nama_ayah", "nama_ibu"} <= keys["SKL"]
    assert "keperluan" in keys["SKTM"] and "keperluan" in keys["SKCK"]
    assert {"tempat_lahir", "tanggal_lahir", "jenis_kelamin", "rt", "rw", "pekerjaan"} <= keys["SKD"]


def test_isian_cell_reads_label_key_requirement_and_kind():
    fields = parse_fields(BIRTH + "# catatan petugas\n\n")
    assert [f.key for f in fields] == ["tempat_lahir", "tanggal_lahir", "jenis_kelamin", "dusun"]
    assert fields[2].choices == ("Laki-laki", "Perempuan")
    assert fields[3].required is False and fields[3].kind == "teks"


@pytest.mark.parametrize("line, expected", [
    ("Tempat lahir", "Baris 2"),
    ("Umur | Umur Saya | wajib | angka", "kunci 'umur saya'"),
    ("Umur | umur | harus | angka", "wajib` atau `opsional"),
    ("Umur | umur | wajib | bilangan", "jenis 'bilangan' tidak dikenal"),
    ("Agama | agama | wajib | pilihan:", "tulis pilihannya"),
    ("NIK ayah | nik | wajib | angka", "sudah dipakai oleh formulir"),
    ("Tempat lahir lagi | tempat_lahir | wajib | teks", "dipakai dua kali"),
])
def test_a_bad_isian_line_is_named_in_bahasa_indonesia(line, expected):
    with pytest.raises(FieldSpecError) as caught:
        parse_fields("Tempat lahir | tempat_lahir | wajib | teks\n" + line)
    assert expected in str(caught.value)
    assert "Baris 2" in caught.value.problems[0]


@pytest.mark.parametrize("typed", ["17-08-1990", "17/08/1990", "17.8.1990", "17 Agustus 1990",
                                   "17 agustus 1990", "17 Agt 1990", "1990-08-17"])
def test_dates_typed_the_way_residents_type_them_are_understood(typed):
    assert parse_date(typed) == date(1990, 8, 17)


def test_answers_are_cleaned_and_stored_as_letters_print_them():
    values, errors = check_answers(parse_fields(BIRTH), {
        "tempat_lahir": "  Sleman ", "tanggal_lahir": "17/08/1990", "jenis_kelamin": "perempuan"})
    assert errors == {}
    assert values == {"tempat_lahir": "Sleman", "tanggal_lahir": "17 Agustus 1990", "jenis_kelamin": "Perempuan"}


def test_missing_bad_date_and_bad_choice_are_refused_naming_the_field():
    values, errors = check_answers(parse_fields(BIRTH), {
        "tanggal_lahir": "31-02-1990", "jenis_kelamin": "pria"})
    assert errors["tempat_lahir"] == "Tempat lahir wajib diisi."
    assert "Tanggal lahir tidak terbaca sebagai tanggal" in errors["tanggal_lahir"]
    assert errors["jenis_kelamin"] == "Jenis kelamin harus salah satu dari: Laki-laki, Perempuan."
    assert "dusun" not in errors and values == {}


def test_rincian_holds_one_label_per_line_and_neutralises_formulas():
    fields = parse_fields(BIRTH)
    cell = format_rincian(fields, {"tempat_lahir": "=HYPERLINK(\"x\")", "tanggal_lahir": "17 Agustus 1990",
                                   "jenis_kelamin": "Perempuan"})
    assert cell.splitlines() == ["Tempat lahir: '=HYPERLINK(\"x\")", "Tanggal lahir: 17 Agustus 1990",
                                 "Jenis kelamin: Perempuan"]
    assert parse_rincian(fields, cell).values["tempat_lahir"] == "=HYPERLINK(\"x\")"


def test_rincian_survives_staff_edits():
    fields = parse_fields(BIRTH)
    edited = ("JENIS KELAMIN :  Perempuan\n\n  tanggal lahir:17 Agustus 1990  \n"
              "Catatan petugas: KTP asli sudah dilihat\nTempat   lahir:   Kulon Progo")
    read = parse_rincian(fields, edited)
    assert read.values == {"jenis_kelamin": "Perempuan", "tanggal_lahir": "17 Agustus 1990",
                           "tempat_lahir": "Kulon Progo"}
    assert read.unknown == ("Catatan petugas: KTP asli sudah dilihat",)
    again = format_rincian(fields, read.values, read.unknown)
    assert parse_rincian(fields, again) == read
    assert again.splitlines()[0] == "Tempat lahir: Kulon Progo"


def test_indonesian_dates_and_time_zones():
    assert long_date(date(2026, 12, 2)) == "2 Desember 2026"
    assert date_time(datetime(2026, 12, 2, 4, 37, tzinfo=ZoneInfo("Asia/Jakarta"))) == "2 Desember 2026, 04.37 WIB"
    assert date_time(datetime(2026, 1, 9, 16, 5, tzinfo=ZoneInfo("Asia/Makassar"))).endswith("16.05 WITA")
    assert date_time(datetime(2026, 1, 9, 16, 5, tzinfo=timezone(timedelta(hours=9)))).endswith("WIT")
    assert [roman_month(m) for m in (1, 4, 9, 12)] == ["I", "IV", "IX", "XII"]
