"""Each rule on what residents type, and the message in Bahasa Indonesia they see when it fails."""
from __future__ import annotations

import pytest

from pondok_sheets.register.validation import (
    check_consent, check_details, check_name, check_nik, check_phone, mask_phone, neutralize, parse_phone,
    unneutralize,
)


@pytest.mark.parametrize("typed", [
    "081234567890", "0812-3456-7890", "0812 3456 7890", "0812.3456.7890", "+62 812 3456 7890",
    "+62-812-3456-7890", "62812-3456-7890", "6281234567890", "(0812) 3456 7890", "0062 812 3456 7890",
    "81234567890",  # what Sheets leaves of 0812… when staff type it as a number
    "81234567890.0",
])
def test_indonesian_mobile_numbers_in_any_local_format_are_normalised(typed):
    assert parse_phone(typed).e164 == "+6281234567890"


@pytest.mark.parametrize("typed", [
    "0857-1234-5603", "0895 1234 56789", "+62 821 9876 5404", "0852 1111 2206",
])
def test_numbers_of_every_indonesian_operator_are_accepted(typed):
    phone = parse_phone(typed)
    assert phone is not None and phone.e164.startswith("+628")


@pytest.mark.parametrize("typed", [
    "021-1234567",          # Jakarta landline
    "(022) 7654321",        # Bandung landline
    "+60 12-345 6789",      # Malaysian mobile
    "+1 415 555 0100",      # US number
    "0812",                 # too short
    "0812345678901234567",  # too long
    "nomor saya 0812",      # words
    "",
])
def test_landlines_foreign_and_garbage_numbers_are_refused(typed):
    assert parse_phone(typed) is None


def test_a_refused_number_says_what_is_expected():
    phone, error = check_phone("021-1234567")
    assert phone is None
    assert error.startswith("Nomor WhatsApp harus nomor HP Indonesia")
    assert check_phone("  ")[1] == "Nomor WhatsApp wajib diisi agar kami bisa mengabari Anda."


def test_phone_numbers_are_masked_for_logs_and_staff_views():
    assert parse_phone("0812-3456-7890").masked == "62812*****890"
    assert parse_phone("0812-3456-789").masked == "62812****789"
    assert mask_phone("1234") == "****"


def test_a_plausible_nik_passes_and_spaces_are_ignored():
    assert check_nik("3201 0145 0790 0001") == ("3201014507900001", None)


def test_a_womans_nik_carries_her_birth_day_plus_40():
    assert check_nik("3201017103900001")[1] is None  # born 31 March 1990
    assert check_nik("3201017203900001")[1] is not None  # "32" → 32nd day does not exist


@pytest.mark.parametrize("nik, message", [
    ("", "NIK wajib diisi."),
    ("32010145079000", "NIK harus 16 angka, sesuai KTP atau Kartu Keluarga."),
    ("32010145079000012", "NIK harus 16 angka, sesuai KTP atau Kartu Keluarga."),
    ("320101450790000A", "NIK harus 16 angka, sesuai KTP atau Kartu Keluarga."),
    ("9901014507900001", "Dua angka pertama NIK (kode provinsi) tidak dikenal. Periksa kembali NIK Anda."),
    ("3200014507900001", "Kode kabupaten/kecamatan pada NIK tidak sah. Periksa kembali NIK Anda."),
    ("3201013202900001", "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak masuk akal. Periksa kembali NIK Anda."),
    ("3201011513900001", "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak masuk akal. Periksa kembali NIK Anda."),
    ("3201010000900001", "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak masuk akal. Periksa kembali NIK Anda."),
    ("3201012902010001", "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak masuk akal. Periksa kembali NIK Anda."),
    ("3201014507900000", "Empat angka terakhir NIK tidak boleh 0000. Periksa kembali NIK Anda."),
])
def test_each_nik_failure_has_its_own_message(nik, message):
    assert check_nik(nik)[1] == message


def test_29_february_is_accepted_in_a_leap_year():
    assert check_nik("3201012902000001")[1] is None
    assert check_nik("3201016902040001")[1] is None  # a woman born 29 February 2004


@pytest.mark.parametrize("typed, cleaned, message", [
    ("  Siti   Aminah ", "Siti Aminah", None),
    ("", "", "Nama wajib diisi."),
    ("   ", "", "Nama wajib diisi."),
    ("A", "A", "Nama harus berisi huruf, sesuai KTP."),
    ("12345", "12345", "Nama harus berisi huruf, sesuai KTP."),
    ("x" * 101, "x" * 101, "Nama terlalu panjang (paling banyak 100 huruf)."),
    ("Ni Luh\tPutu\nAyu", "Ni Luh Putu Ayu", None),
])
def test_names_are_trimmed_and_checked(typed, cleaned, message):
    assert check_name(typed) == (cleaned, message)


def test_details_are_optional_but_limited():
    assert check_details("") == ("", None)
    assert check_details("y" * 501)[1] == "Keterangan terlalu panjang (paling banyak 500 huruf)."


@pytest.mark.parametrize("ticked", ["ya", "on", "1", "true", "Ya"])
def test_consent_must_be_given(ticked):
    assert check_consent(ticked) is None
    assert check_consent("") == "Centang persetujuan penggunaan data pribadi agar permohonan bisa kami proses."


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x","y")', "+628123", "-1+1", "@SUM(A1)", "\t=1"])
def test_formula_like_values_stay_text_and_read_back_as_typed(typed):
    assert neutralize(typed) == "'" + typed
    assert unneutralize(neutralize(typed)) == typed
    assert neutralize("Siti") == "Siti"
