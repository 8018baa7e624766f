"""The SKM questionnaire of PermenPANRB No. 14 Tahun 2017 and the rows of the Survei tab.

Sources and the exact wording are in docs/research/skm-permenpanrb-14-2017.md. An answer
carries a hash of the ticket, never the ticket, a name, a NIK or a number.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .model import TabSpec
from .stamps import parse_day
from .validation import clean_text, neutralize, unneutralize

SUGGESTION_MAX = 500


@dataclass(frozen=True)
class Element:
    """One unsur of the survey: its number, name, the annex's question and its four labels (score 1..4)."""

    number: int
    name: str
    question: str
    labels: tuple[str, str, str, str]

    @property
    def column(self) -> str:
        """The Survei tab header of this unsur's score: U1 … U9."""
        return f"U{self.number}"


# The order of the unsur is the regulation's list (Lampiran, ruang lingkup a–i); the annex's
# sample questionnaire asks sarana (its no. 8) before pengaduan (its no. 9). Keeping the list's
# order makes U8 always pengaduan and U9 always sarana, whatever form the answer came from.
ELEMENTS: tuple[Element, ...] = (
    Element(1, "Persyaratan",
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element(2, "Sistem, Mekanisme, dan Prosedur",
            "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
            ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
    Element(3, "Waktu Penyelesaian",
            "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
            ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
    Element(4, "Biaya/Tarif",
            "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
    Element(5, "Produk Spesifikasi Jenis Pelayanan",
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
            "dalam standar pelayanan dengan hasil yang diberikan?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element(6, "Kompetensi Pelaksana",
            "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
            ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
    Element(7, "Perilaku Pelaksana",
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
            ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah")),
    Element(8, "Penanganan Pengaduan, Saran dan Masukan",
            "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
            ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik")),
    Element(9, "Sarana dan Prasarana",
            "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
            ("Buruk", "Cukup", "Baik", "Sangat baik")),
)

# The respondent facts of the annex's PROFIL block; all optional for the resident.
SEXES = ("Laki-laki", "Perempuan")
EDUCATIONS = ("SD", "SMP", "SMA", "D1-D2-D3", "D4", "S1", "S2", "S3")
OCCUPATIONS = ("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya")
# The annex asks the age in years; the tab keeps only a band, so a row says less about who answered.
AGE_BANDS = ("Di bawah 20", "20–29", "30–39", "40–49", "50–59", "60 ke atas")

# Placeholders as in the Pesan tab: {desa} {layanan} {tiket} {tautan}.
# It follows the Selesai message, which already thanks the resident.
INVITATION = ("Bantu Kantor Desa {desa} menjadi lebih baik: isi survei kepuasan layanan {layanan} "
              "(9 pertanyaan, 2 menit, tanpa nama) di {tautan}")
ALREADY_ANSWERED = "Survei untuk permohonan ini sudah diisi, terima kasih."
THANKS = "Terima kasih, jawaban survei Anda sudah kami terima."

SURVEI = TabSpec(
    "Survei",
    ("Waktu", "Tiket (hash)", "Layanan", *(e.column for e in ELEMENTS),
     "Jenis Kelamin", "Umur", "Pendidikan", "Pekerjaan", "Saran"),
)


@dataclass(frozen=True)
class Answer:
    """One filled questionnaire: whose request (as a hash), which service, when, the nine scores and the facts."""

    ticket_hash: str
    service: str
    day: date
    scores: tuple[int, ...]  # nine scores 1..4, in ELEMENTS order
    sex: str = ""
    age_band: str = ""
    education: str = ""
    occupation: str = ""
    suggestion: str = ""
    time: str = field(default="", compare=False)  # the Waktu cell as read; older rows hold a minute, '2026-11-27 09:00'


def age_band(value: object) -> str:
    """The band for an age in years ('34' -> '30–39'), a band given as is, or '' when it is neither."""
    text = clean_text(value)
    folded = _fold(text)
    for band in AGE_BANDS:
        if _fold(band) == folded:
            return band
    if not re.fullmatch(r"\d{1,3}(\.0)?", text):
        return ""
    years = int(float(text))
    if not 10 <= years <= 120:
        return ""
    if years < 20:
        return AGE_BANDS[0]
    return AGE_BANDS[min((years - 20) // 10 + 1, len(AGE_BANDS) - 1)]


def _fold(text: str) -> str:
    return re.sub(r"[\s\-–]", "", text).casefold()


def _choice(value: object, options: Sequence[str]) -> str:
    """The option `value` names, ignoring case, spaces and dashes ('laki laki' -> 'Laki-laki'); '' if none."""
    folded = _fold(clean_text(value))
    aliases = {"l": "Laki-laki", "p": "Perempuan", "lakilaki": "Laki-laki", "sma/smk": "SMA", "smk": "SMA"}
    for option in options:
        if _fold(option) == folded:
            return option
    alias = aliases.get(folded, "")
    return alias if alias in options else ""


_LONG_NUMBER = re.compile(r"(?:\+?\d[\s.\-]?){8,}")  # phone numbers, NIK, KK: 8 digits or more
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str) -> str:
    """A suggestion fit to publish: long numbers (HP, NIK) and e-mail addresses replaced by a marker."""
    text = _EMAIL.sub("[alamat disembunyikan]", text)
    return _LONG_NUMBER.sub(lambda m: "[nomor disembunyikan]" + (" " if m.group().endswith(" ") else ""), text).strip()


def parse_score(value: object) -> int | None:
    """A score 1..4 from a cell staff may have retyped ('3', '3.0', ' 4 '), or None."""
    text = clean_text(value)
    if re.fullmatch(r"[1-4](\.0+)?", text):
        return int(float(text))
    return None


def check_suggestion(value: object) -> tuple[str, str | None]:
    """The cleaned suggestion and an error message, or None."""
    text = clean_text(value)
    if len(text) > SUGGESTION_MAX:
        return text, f"Saran terlalu panjang (paling banyak {SUGGESTION_MAX} huruf)."
    return text, None


def answer_from_form(form: Mapping[str, object], ticket_hash: str, service: str,
                     day: date) -> tuple[Answer | None, dict[str, str]]:
    """An Answer from the survey page's fields (u1..u9, jk, umur, pendidikan, pekerjaan, saran), or the errors."""
    errors: dict[str, str] = {}
    scores: list[int] = []
    for element in ELEMENTS:
        score = parse_score(form.get(f"u{element.number}"))
        if score is None:
            errors[f"u{element.number}"] = f"Pilih satu jawaban untuk pertanyaan {element.number}."
        else:
            scores.append(score)
    suggestion, problem = check_suggestion(form.get("saran"))
    if problem:
        errors["saran"] = problem
    if errors:
        return None, errors
    return Answer(ticket_hash, service, day, tuple(scores),
                  sex=_choice(form.get("jk"), SEXES), age_band=age_band(form.get("umur")),
                  education=_choice(form.get("pendidikan"), EDUCATIONS),
                  occupation=_choice(form.get("pekerjaan"), OCCUPATIONS),
                  suggestion=suggestion), {}


def answer_row(answer: Answer) -> dict[str, str]:
    """The Survei tab cells of an answer, header -> text, resident text neutralised.

    Waktu is the day only: in a small village the minute an answer came in, set beside the
    Log's Selesai time, would point at the resident who gave it.
    """
    row = {"Waktu": answer.day.isoformat(), "Tiket (hash)": answer.ticket_hash,
           "Layanan": neutralize(answer.service)}
    row.update({e.column: str(s) for e, s in zip(ELEMENTS, answer.scores)})
    row.update({"Jenis Kelamin": answer.sex, "Umur": answer.age_band, "Pendidikan": answer.education,
                "Pekerjaan": answer.occupation, "Saran": neutralize(answer.suggestion)})
    return row


def parse_answer(cells: Mapping[str, str]) -> Answer | None:
    """The answer in one Survei row (header -> text); None for a row that is not a complete answer.

    Staff may retype a score ('4.0'), a fact ('laki laki') or sort the tab; a row with a score
    missing or out of 1..4, or without a date, is skipped rather than guessed, so it cannot
    move the index.
    """
    day = parse_day(cells.get("Waktu", ""))
    scores = [parse_score(cells.get(e.column, "")) for e in ELEMENTS]
    if day is None or any(s is None for s in scores):
        return None
    return Answer(
        ticket_hash=clean_text(cells.get("Tiket (hash)", "")), service=unneutralize(clean_text(cells.get("Layanan", ""))),
        day=day, scores=tuple(s for s in scores if s is not None),
        sex=_choice(cells.get("Jenis Kelamin", ""), SEXES), age_band=age_band(cells.get("Umur", "")),
        education=_choice(cells.get("Pendidikan", ""), EDUCATIONS),
        occupation=_choice(cells.get("Pekerjaan", ""), OCCUPATIONS),
        suggestion=unneutralize(clean_text(cells.get("Saran", ""))), time=clean_text(cells.get("Waktu", "")))


def parse_answers(records: Sequence[tuple[int, Mapping[str, str]]]) -> list[Answer]:
    """Every complete answer of a Survei tab read with `Table.records(SURVEI.headers)`, one per ticket hash.

    A second row for the same hash (a double submit that slipped through, or a copy staff
    pasted) is ignored: the regulation counts respondents, and one request is one respondent.
    """
    seen: set[str] = set()
    out: list[Answer] = []
    for _, cells in records:
        answer = parse_answer(cells)
        if answer is None:
            continue
        if answer.ticket_hash:
            if answer.ticket_hash in seen:
                continue
            seen.add(answer.ticket_hash)
        out.append(answer)
    return out
