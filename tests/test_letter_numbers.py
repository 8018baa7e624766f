"""Letter numbers from the register, verification codes, and signed staff links."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from pondok_sheets.register.letter_codes import ALPHABET, LinkError, sign, verification_code, verify
from pondok_sheets.register.letter_numbers import DEFAULT_FORMAT, check_format, next_number, parse_format

VILLAGE = "DS-PDK"
SERVICES = {"SKD": "470", "SKU": "503"}


def draft_all(requests: list[tuple[str, date]], register: list[str]) -> list[str]:
    """Number each request in turn from the register alone, appending as the sync would."""
    numbers = []
    for service, when in requests:
        number = next_number(DEFAULT_FORMAT, register, SERVICES[service], when, kode_desa=VILLAGE)
        register.append(number)
        numbers.append(number)
    return numbers


def test_thirty_letters_across_two_services_and_a_new_year_are_sequential_and_unique():
    days = [date(2026, 12, 20) + timedelta(days=i // 2) for i in range(30)]  # 20 Dec 2026 .. 3 Jan 2027
    requests = [("SKD" if i % 3 else "SKU", day) for i, day in enumerate(days)]
    numbers = draft_all(requests, [])
    assert len(set(numbers)) == 30
    pattern = re.compile(r"(470|503)/(\d{3})/DS-PDK/(XII|I)/(2026|2027)")
    sequences: dict[tuple[str, str], list[int]] = {}
    for number in numbers:
        match = pattern.fullmatch(number)
        assert match, number
        sequences.setdefault((match[1], match[4]), []).append(int(match[2]))
    for key, seq in sequences.items():
        assert seq == list(range(1, len(seq) + 1)), key  # restarts at 001 in January, no gaps
    assert numbers[0] == "503/001/DS-PDK/XII/2026"
    assert "470/001/DS-PDK/I/2027" in numbers


def test_numbering_continues_from_the_register_alone_and_never_reuses_a_cancelled_number():
    # What the Nomor Surat column holds after local state was lost; 003 was cancelled but stays.
    register = ["470/001/DS-PDK/XI/2026", "470/002/DS-PDK/XI/2026", "470/003/DS-PDK/XII/2026",
                "503/007/DS-PDK/XII/2026", "", "Nomor manual 15", "470/041/DS-PDK/XII/2025"]
    assert next_number(DEFAULT_FORMAT, register, "470", date(2026, 12, 2), kode_desa=VILLAGE) \
        == "470/004/DS-PDK/XII/2026"


def test_running_number_grows_past_its_padding():
    register = [f"470/{n:03d}/DS-PDK/XII/2026" for n in (998, 999)]
    assert next_number(DEFAULT_FORMAT, register, "470", date(2026, 12, 30), kode_desa=VILLAGE) \
        == "470/1000/DS-PDK/XII/2026"


def test_monthly_restart_and_other_placeholders():
    fmt = "SK-[nomor:4]/[bulan]/[tahun]"
    register = ["SK-0009/11/2026", "SK-0002/12/2026"]
    assert next_number(fmt, register, "", date(2026, 12, 5), restart="bulan") == "SK-0003/12/2026"


@pytest.mark.parametrize("fmt, expected", [
    ("[kode]/[no:3]/[tahun]", "[no:3] tidak dikenal"),
    ("[kode]/[tahun]", "[nomor] tepat satu kali"),
    ("[kode]/[nomor:3]/[kode_desa]", "harus memuat [tahun]"),
    ("[kode]/[nomor:3/[tahun]", "tidak berpasangan"),
    ("[kode:3]/[nomor]/[tahun]", "panjang hanya untuk nomor"),
])
def test_a_bad_number_format_is_explained(fmt, expected):
    problems = check_format(fmt)
    assert len(problems) == 1 and expected in problems[0]
    assert check_format(DEFAULT_FORMAT) == []
    assert parse_format(DEFAULT_FORMAT).width == 3


def test_verification_code_is_stable_distinct_and_unlike_the_ticket():
    code = verification_code("rahasia", "PDK-7K3QM9", "470/012/DS-PDK/XII/2026")
    assert code == verification_code("rahasia", "pdk-7k3qm9", "470/012/DS-PDK/XII/2026")
    assert len(code) == 14 and set(code) <= set(ALPHABET) and "7K3QM9" not in code
    others = {verification_code("rahasia", f"PDK-7K3QM{i}", "470/012/DS-PDK/XII/2026") for i in range(2, 9)}
    others |= {verification_code("rahasia", "PDK-7K3QM9", "470/013/DS-PDK/XII/2026"),
               verification_code("kunci-lain", "PDK-7K3QM9", "470/012/DS-PDK/XII/2026")}
    assert code not in others and len(others) == 9


NOW = datetime(2026, 12, 2, 9, 0).astimezone()


def test_a_signed_link_names_its_ticket_until_it_expires():
    token = sign("rahasia", "PDK-7K3QM9", NOW + timedelta(days=7))
    assert verify("rahasia", token, NOW) == "PDK-7K3QM9"
    with pytest.raises(LinkError) as caught:
        verify("rahasia", token, NOW + timedelta(days=7, seconds=1))
    assert caught.value.reason == "expired" and "kedaluwarsa" in str(caught.value)


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace("PDK-7K3QM9", "PDK-8K3QM9"),               # another resident's letter
    lambda t: t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 86400)),  # a longer life
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),             # a forged signature
])
def test_a_tampered_link_is_refused(mangle):
    token = sign("rahasia", "PDK-7K3QM9", NOW + timedelta(days=7))
    with pytest.raises(LinkError) as caught:
        verify("rahasia", mangle(token), NOW)
    assert caught.value.reason == "tampered"
    with pytest.raises(LinkError):
        verify("kunci-lain", token, NOW)


@pytest.mark.parametrize("token", ["", "PDK-7K3QM9", "PDK-7K3QM9.1900000000"])
def test_an_unsigned_link_is_refused(token):
    with pytest.raises(LinkError) as caught:
        verify("rahasia", token, NOW)
    assert caught.value.reason == "unsigned"


def test_one_sync_drafting_many_letters_gives_each_its_own_number():
    from pondok_sheets.register.letter_numbers import NumberBook

    book = NumberBook(DEFAULT_FORMAT, ["470/007/DS-PDK/XII/2026"], kode_desa=VILLAGE)
    numbers = [book.take("470", date(2026, 12, 2)) for _ in range(3)] + [book.take("503", date(2026, 12, 2))]
    assert numbers == ["470/008/DS-PDK/XII/2026", "470/009/DS-PDK/XII/2026", "470/010/DS-PDK/XII/2026",
                       "503/001/DS-PDK/XII/2026"]
