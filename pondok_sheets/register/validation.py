"""Checks on what residents type, each failure explained in Bahasa Indonesia."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


NAME_MAX = 100
DETAILS_MAX = 500

# Province codes used in NIK (Kemendagri), including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 "
    "71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()/]")


def clean_text(value: object) -> str:
    """Text with control characters removed and runs of whitespace collapsed."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(value or ""))
    return " ".join(text.split())


def check_name(value: object) -> tuple[str, str | None]:
    """The cleaned name and an error message, or None when it is fine."""
    name = clean_text(value)
    if not name:
        return name, "Nama wajib diisi."
    if len(name) > NAME_MAX:
        return name, f"Nama terlalu panjang (paling banyak {NAME_MAX} huruf)."
    if sum(c.isalpha() for c in name) < 2:
        return name, "Nama harus berisi huruf, sesuai KTP."
    return name, None


def check_nik(value: object) -> tuple[str, str | None]:
    """The NIK without spaces and an error message, or None when it is plausible."""
    nik = re.sub(r"[\s.\-]", "", str(value or ""))
    if not nik:
        return nik, "NIK wajib diisi."
    if not nik.isdigit() or len(nik) != 16:
        return nik, "NIK harus 16 angka, sesuai KTP atau Kartu Keluarga."
    if nik[:2] not in PROVINCE_CODES:
        return nik, "Dua angka pertama NIK (kode provinsi) tidak dikenal. Periksa kembali NIK Anda."
    if nik[2:4] == "00" or nik[4:6] == "00":
        return nik, "Kode kabupaten/kecamatan pada NIK tidak sah. Periksa kembali NIK Anda."
    if not _is_plausible_birth_date(nik[6:12]):
        return nik, "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak masuk akal. Periksa kembali NIK Anda."
    if nik[12:] == "0000":
        return nik, "Empat angka terakhir NIK tidak boleh 0000. Periksa kembali NIK Anda."
    return nik, None


def _is_plausible_birth_date(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > 40:  # women's NIK carry day + 40
        day -= 40
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and day == 29:
        return year % 4 == 0  # 1900 is not leap but 2000 is, and "00" reads as either
    return day <= _DAYS_IN_MONTH[month - 1]


@dataclass(frozen=True)
class Phone:
    """An Indonesian mobile number in the forms each messenger needs."""

    e164: str  # +6281234567890

    @property
    def digits(self) -> str:
        """Country code and number without '+', as wa.me links want it."""
        return self.e164.lstrip("+")

    @property
    def masked(self) -> str:
        """Safe for logs: 62812****890."""
        return mask_phone(self.digits)


def mask_name(name: str) -> str:
    """A name as public pages show it: Budi Santoso -> B*** S*******."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def mask_nik(nik: str) -> str:
    """A NIK as staff may see it where the whole number is not needed: 320101******0001."""
    digits = re.sub(r"\D", "", nik)
    return digits[:6] + "*" * max(0, len(digits) - 10) + digits[-4:] if len(digits) > 10 else "*" * len(digits)


def mask_phone(digits: str) -> str:
    """Keep the first five and last three digits, hide the rest."""
    digits = re.sub(r"\D", "", digits)
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:5] + "*" * (len(digits) - 8) + digits[-3:]


def parse_phone(value: object) -> Phone | None:
    """The Indonesian mobile number in `value` in any local format, or None."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d+\.0", text):  # a number staff typed into a sheet cell may come back as a float
        text = text[:-2]
    text = _PHONE_PUNCTUATION.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("62"):
        text = "+" + text
    elif text.startswith("8"):  # Sheets drops the leading zero of 0812… typed by staff
        text = "0" + text
    if not re.fullmatch(r"\+?\d{8,16}", text):
        return None
    import phonenumbers  # here, not at the top: a sync with no message to send never loads its 15 ms of tables

    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) != "ID":
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@lru_cache(maxsize=65536)
def phone_key(value: str) -> str:
    """The one key of a number, whatever its local format: WhatsApp's digits (62812…).

    Shared by the 24-hour window and the contact hash, so `0812-…` typed by staff and the
    `62812…` WhatsApp reports are the same person. Numbers that are not Indonesian mobiles
    keep their digits.
    """
    phone = parse_phone(value)
    return phone.digits if phone else re.sub(r"\D", "", str(value))


def check_phone(value: object) -> tuple[Phone | None, str | None]:
    """The parsed number and an error message, or None when it is a usable WhatsApp number."""
    if not str(value or "").strip():
        return None, "Nomor WhatsApp wajib diisi agar kami bisa mengabari Anda."
    phone = parse_phone(value)
    if phone is None:
        return None, ("Nomor WhatsApp harus nomor HP Indonesia, misalnya 0812 3456 7890 "
                      "atau +62 812 3456 7890.")
    return phone, None


def check_details(value: object) -> tuple[str, str | None]:
    """The cleaned free-text details and an error message, or None."""
    details = clean_text(value)
    if len(details) > DETAILS_MAX:
        return details, f"Keterangan terlalu panjang (paling banyak {DETAILS_MAX} huruf)."
    return details, None


# Every way staff and residents say "yes": a ticked box (TRUE, ✓), a typed word, a form's "on".
YES = frozenset({"1", "y", "ya", "iya", "yes", "on", "true", "ok", "oke", "setuju", "benar", "aktif",
                 "v", "x", "✓", "✔", "☑", "sudah", "terkirim"})
# A tick that publishes or consents (Pengaduan's Tampilkan, the complaint form's "kontak") is YES
# without "x": in a paper register an x crosses a thing out as often as it ticks it, and a wrong
# yes here puts a resident's words on a public page. Staff also type the column's own name.
TICKS = (YES - {"x"}) | {"tampilkan"}


def is_yes(value: object) -> bool:
    """True for any of the ways a person says yes or ticks a box."""
    return str(value or "").strip().casefold() in YES


def is_ticked(value: object) -> bool:
    """True for a tick that publishes or consents: TRUE (a Sheets checkbox), Ya, ✓, 1; never a bare x."""
    return clean_text(value).casefold() in TICKS


# Words of a consent label ("Saya setuju", "Ya, saya menyetujui …", "Bersedia"): a Google Form
# checkbox writes its label as the cell value, several ticked labels joined with ", ".
_CONSENT_WORDS = re.compile(r"\b(setuju|menyetujui|bersedia|mengizinkan|mengijinkan|agree|i agree)\b")
_REFUSAL_WORDS = re.compile(r"\b(tidak|tdk|belum|bukan|menolak|no|not)\b")


def is_consent(value: object) -> bool:
    """True for a ticked box, a yes, or a consent label as a Google Form checkbox writes it."""
    if is_yes(value):
        return True
    text = " ".join(str(value or "").split()).casefold()
    if not text or _REFUSAL_WORDS.search(text):
        return False
    return bool(_CONSENT_WORDS.search(text)) or is_yes(text.split(",")[0])


def check_consent(value: object) -> str | None:
    """An error message unless the resident agreed to the use of their personal data."""
    if is_consent(value):
        return None
    return "Centang persetujuan penggunaan data pribadi agar permohonan bisa kami proses."


# A NIK as text never looks like these; a NIK Sheets stored as a number (an IEEE double, about
# 15 significant digits) comes back as 3201014507900001.0 or 3.20101E+15 (3,20101E+15 in id_ID).
_NUMBER_SHAPED = re.compile(r"\d+\.0|\d+(?:[.,]\d+)?[eE][+-]?\d+")
SHEETS_NIK = ("NIK berubah karena Google Sheets menyimpannya sebagai angka (bukan kesalahan pemohon); "
              "angka terakhirnya bisa sudah tidak sama. Petugas: cocokkan dengan jawaban asli atau KTP, "
              "lalu ketik ulang dengan tanda ' di depan (kolom NIK sebaiknya berformat Teks biasa: init-sheet).")
SHEETS_PHONE = ("Nomor WhatsApp terbaca {cell} karena jawaban yang diawali '+' dianggap rumus oleh Google "
                "Sheets (bukan kesalahan pemohon). Petugas: lihat jawaban asli di Google Form dan ketik ulang "
                "nomornya dengan tanda ' di depan.")


def sheets_changed_nik(value: object) -> str | None:
    """Why a NIK cell cannot be trusted because Sheets turned it into a number, or None."""
    text = str(value or "").strip()
    if _NUMBER_SHAPED.fullmatch(text.replace(" ", "")):
        return SHEETS_NIK
    return None


def is_sheets_error(value: object) -> bool:
    """A cell Sheets shows as an error (#ERROR!, #NAME?, #VALUE!…): a formula it could not compute."""
    return bool(re.fullmatch(r"#[A-Z0-9/]+[!?]", str(value or "").strip()))


def sheets_changed_phone(value: object) -> str | None:
    """Why a WhatsApp cell is an error value of Sheets (an answer starting with '+'), or None."""
    text = str(value or "").strip()
    return SHEETS_PHONE.format(cell=text) if is_sheets_error(text) else None


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Text that stays text in Sheets and Excel: a formula-like start gets an apostrophe."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def unneutralize(value: str) -> str:
    """The text as the resident typed it, for messages and pages."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value
