"""Letters rendered from the built-in and the office's own templates, with a QR that scans."""
from __future__ import annotations

import io
import shutil
from datetime import date

import docx
import pytest
import zxingcpp
from PIL import Image

from pondok_sheets.documents.letters import (LetterTemplateError, VillageHeader, builtin_template,
                                             check_template, letter_context, render_letter, to_pdf)
from pondok_sheets.register.fields import DEFAULT_FORMS, Field

HEADER = VillageHeader("Sleman", "Ngaglik", "Sukamaju", "Jl. Kaliurang Km 10, Ngaglik, Sleman 55581",
                       "Sutrisno, S.IP.")
URL = "https://sukamaju.desa.id/verifikasi/ZJW9EBFZ4ZPTEA"
NUMBER = "470/012/DS-SKM/XII/2026"
SAMPLE = {"teks": "Warung Bu Tini & Putra", "angka": "3", "tanggal": "17 Agustus 1990"}


def filled(fields: tuple[Field, ...]) -> dict[str, str]:
    """Every field answered, as check_answers would have stored it."""
    return {f.key: f.choices[-1] if f.choices else SAMPLE[f.kind] for f in fields}


def context_for(code: str, values: dict[str, str] | None = None) -> dict[str, str]:
    fields = DEFAULT_FORMS[code]
    return letter_context(header=HEADER, service_name=code, ticket="SKM-7K3QM9", name="Siti Aminah",
                          nik="3404014708900002", number=NUMBER, when=date(2026, 12, 2), fields=fields,
                          values=filled(fields) if values is None else values)


def text_of(document: docx.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def qr_texts(document: docx.Document) -> list[str]:
    found = []
    for part in document.part.related_parts.values():
        if part.content_type.startswith("image/"):
            found += [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(part.blob)))]
    return found


@pytest.mark.parametrize("code", sorted(DEFAULT_FORMS))
def test_every_built_in_template_renders_a_complete_letter(code):
    assert check_template(builtin_template(code), DEFAULT_FORMS[code]) == []
    letter = docx.Document(io.BytesIO(render_letter(builtin_template(code), context_for(code), URL)))
    text = text_of(letter)
    for expected in ("Siti Aminah", "3404014708900002", NUMBER, "Sukamaju, 2 Desember 2026",
                     "DESA SUKAMAJU", "Sutrisno, S.IP.", "Pindai untuk memeriksa keaslian surat"):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    assert qr_texts(letter) == [URL]


@pytest.mark.parametrize("code", sorted(DEFAULT_FORMS))
def test_every_built_in_template_prints_every_default_field(code):
    values = {f.key: f"[{f.key}]" for f in DEFAULT_FORMS[code]}
    text = text_of(docx.Document(io.BytesIO(render_letter(builtin_template(code), context_for(code, values), URL))))
    assert [key for key, value in values.items() if value not in text] == []


def test_the_death_letter_names_the_day_the_hour_and_the_burial_place():
    values = filled(DEFAULT_FORMS["SKM"]) | {"tanggal_meninggal": "30 November 2026", "jam_meninggal": "14.30",
                                            "tempat_pemakaman": "TPU Sukamaju"}
    text = text_of(docx.Document(io.BytesIO(render_letter(builtin_template("SKM"), context_for("SKM", values), URL))))
    assert "Senin, 30 November 2026" in text and "14.30" in text and "TPU Sukamaju" in text
    person = text_of(docx.Document(io.BytesIO(render_letter(builtin_template("SKD"),
                                                            context_for("SKD", {"kewarganegaraan": ""}), URL))))
    assert "WNI" in person  # left unanswered, a village resident is a citizen


def test_the_service_facts_land_in_the_letter():
    values = filled(DEFAULT_FORMS["SKM"]) | {"nama_almarhum": "Slamet Riyadi", "tanggal_meninggal": "1 Desember 2026",
                                            "tempat_meninggal": "RSUD Sleman"}
    text = text_of(docx.Document(io.BytesIO(render_letter(builtin_template("SKM"), context_for("SKM", values), URL))))
    assert "SURAT KETERANGAN KEMATIAN" in text
    assert "Slamet Riyadi" in text and "1 Desember 2026" in text and "RSUD Sleman" in text
    assert "Warung Bu Tini & Putra" in text  # a resident's & stays readable and the XML stays valid


def test_an_optional_field_left_empty_prints_nothing_odd():
    values = {k: v for k, v in filled(DEFAULT_FORMS["SKD"]).items() if k not in ("dusun", "tinggal_sejak")}
    text = text_of(docx.Document(io.BytesIO(render_letter(builtin_template("SKD"), context_for("SKD", values), URL))))
    assert "Dusun" not in text and " sejak " not in text


def office_template(body: str) -> bytes:
    """A template as an office would write it in Word: one paragraph of their own."""
    document = docx.Document()
    document.add_paragraph("SURAT KETERANGAN")
    document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_unknown_placeholder_is_named_and_no_letter_is_made():
    template = office_template("Nama: {{ nama }}, lahir {{ tgl_lahir }}")
    problems = check_template(template, DEFAULT_FORMS["SKD"])
    assert len(problems) == 1 and "{{ tgl_lahir }}" in problems[0] and "tanggal_lahir" in problems[0]
    with pytest.raises(LetterTemplateError, match=r"\{\{ tgl_lahir \}\}"):
        render_letter(template, context_for("SKD"), URL)


def test_a_syntax_error_is_reported_near_its_text():
    template = office_template("Nama: {{ nama }, NIK {{ nik }}")
    problems = check_template(template)
    assert len(problems) == 1 and "tidak berpasangan" in problems[0]
    assert "Periksa paragraf «Nama: {{ nama }, NIK {{ nik }}»" in problems[0]
    with pytest.raises(LetterTemplateError, match="salah tulis"):
        render_letter(template, context_for("SKD"), URL)


def test_a_file_that_is_not_a_word_document_is_refused():
    assert "bukan berkas .docx" in check_template(b"%PDF-1.7 not a docx")[0]


def test_the_office_template_with_known_placeholders_renders():
    template = office_template("Kepada {{ nama }} ({{ nik }}) nomor {{ nomor_surat }} {{ qr_verifikasi }}")
    letter = docx.Document(io.BytesIO(render_letter(template, context_for("SKD"), URL)))
    assert f"Kepada Siti Aminah (3404014708900002) nomor {NUMBER}" in text_of(letter)
    assert qr_texts(letter) == [URL]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed here")
def test_a_letter_converts_to_a_one_page_pdf():
    pypdf = pytest.importorskip("pypdf")
    pdf = to_pdf(render_letter(builtin_template("SKU"), context_for("SKU"), URL))
    assert pdf is not None and pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "SURAT KETERANGAN USAHA" in text and NUMBER in text and "2 Desember 2026" in text


def test_without_soffice_there_is_no_pdf(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert to_pdf(b"not used") is None
