"""Write the eight built-in letter templates (pondok_sheets/documents/letter_templates/*.docx).

Run `python tools/make_letter_templates.py` after changing the wording here; the
.docx files are committed so an installation never needs this script. Offices
replace a template by editing the .docx in Word, keeping the {{ placeholders }}.
"""
from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.document import Document as WordDocument
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parents[1] / "pondok_sheets" / "documents" / "letter_templates"
FONT = "Times New Roman"

PERSON = [
    ("Nama", "{{ nama }}"), ("NIK", "{{ nik }}"),
    ("Tempat/tanggal lahir", "{{ tempat_lahir }}, {{ tanggal_lahir }}"),
    ("Jenis kelamin", "{{ jenis_kelamin }}"), ("Agama", "{{ agama }}"),
    ("Status perkawinan", "{{ status_perkawinan }}"), ("Pekerjaan", "{{ pekerjaan }}"),
    # Optional: a village's residents are citizens unless the answer says otherwise.
    ("Kewarganegaraan", "{{ kewarganegaraan or 'WNI' }}"),
    ("Alamat", "{{ alamat }} RT {{ rt }}/RW {{ rw }}{% if dusun %}, Dusun {{ dusun }}{% endif %}, "
               "Desa {{ desa }}"),
]
REPORTER = [
    ("Nama", "{{ nama }}"), ("NIK", "{{ nik }}"), ("Jenis kelamin", "{{ jenis_kelamin }}"),
    ("Pekerjaan", "{{ pekerjaan }}"),
    ("Alamat", "{{ alamat }} RT {{ rt }}/RW {{ rw }}{% if dusun %}, Dusun {{ dusun }}{% endif %}, "
               "Desa {{ desa }}"),
    ("Hubungan dengan bayi", "{{ hubungan_pelapor }}"),
]
DEATH_REPORTER = [
    ("Nama", "{{ nama }}"), ("NIK", "{{ nik }}"), ("Pekerjaan", "{{ pekerjaan }}"),
    ("Alamat", "{{ alamat }} RT {{ rt }}/RW {{ rw }}{% if dusun %}, Dusun {{ dusun }}{% endif %}, "
               "Desa {{ desa }}"),
    ("Hubungan dengan almarhum", "{{ hubungan_pelapor }}"),
]
CITIZEN = "Orang tersebut di atas benar penduduk Desa {{ desa }}, Kecamatan {{ kecamatan }}, " \
          "Kabupaten {{ kabupaten }}"
PURPOSE = "Surat keterangan ini dibuat untuk keperluan: {{ keperluan }}."
CLOSING = "Demikian surat ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana mestinya."

# Each letter: title, then blocks: ("p", text) a paragraph, ("t", rows) a label/value table.
LETTERS: dict[str, tuple[str, list[tuple[str, object]]]] = {
    "SKD": ("SURAT KETERANGAN DOMISILI", [
        ("p", "menerangkan dengan sebenarnya bahwa:"), ("t", PERSON),
        ("p", CITIZEN + " dan benar berdomisili di alamat tersebut{% if tinggal_sejak %} sejak "
              "{{ tinggal_sejak }}{% endif %}."), ("p", PURPOSE)]),
    "SKTM": ("SURAT KETERANGAN TIDAK MAMPU", [
        ("p", "menerangkan dengan sebenarnya bahwa:"), ("t", PERSON),
        ("p", CITIZEN + " dan menurut pengetahuan kami tergolong keluarga kurang mampu"
              "{% if penghasilan %}, dengan penghasilan keluarga lebih kurang Rp{{ penghasilan }} per bulan"
              "{% endif %}{% if jumlah_tanggungan %} dan tanggungan {{ jumlah_tanggungan }} orang{% endif %}."),
        ("p", PURPOSE)]),
    "PKK": ("SURAT PENGANTAR KARTU KELUARGA", [
        ("p", "memberikan pengantar kepada:"), ("t", PERSON),
        ("p", CITIZEN + ". Surat pengantar ini diberikan untuk mengurus Kartu Keluarga pada Dinas "
              "Kependudukan dan Pencatatan Sipil Kabupaten {{ kabupaten }}, dengan alasan: {{ alasan_kk }}"
              "{% if nomor_kk %} (Nomor KK {{ nomor_kk }}){% endif %}.")]),
    "PKTP": ("SURAT PENGANTAR KTP ELEKTRONIK", [
        ("p", "memberikan pengantar kepada:"), ("t", PERSON),
        ("p", CITIZEN + ". Surat pengantar ini diberikan untuk mengurus KTP Elektronik ({{ jenis_ktp }}) "
              "pada Dinas Kependudukan dan Pencatatan Sipil Kabupaten {{ kabupaten }}"
              "{% if nomor_kk %}, sesuai Kartu Keluarga Nomor {{ nomor_kk }}{% endif %}.")]),
    "SKU": ("SURAT KETERANGAN USAHA", [
        ("p", "menerangkan dengan sebenarnya bahwa:"), ("t", PERSON),
        ("p", CITIZEN + " dan benar mempunyai usaha sebagai berikut:"),
        ("t", [("Nama usaha", "{{ nama_usaha }}"), ("Jenis usaha", "{{ jenis_usaha }}"),
               ("Alamat usaha", "{{ alamat_usaha }}"), ("Berjalan sejak", "{{ usaha_sejak or '-' }}")]),
        ("p", PURPOSE)]),
    "SKL": ("SURAT KETERANGAN KELAHIRAN", [
        ("p", "menerangkan dengan sebenarnya bahwa telah lahir seorang anak:"),
        ("t", [("Nama", "{{ nama_bayi }}"), ("Jenis kelamin", "{{ jenis_kelamin_bayi }}"),
               ("Tempat/tanggal lahir", "{{ tempat_lahir_bayi }}, {{ tanggal_lahir_bayi }}"),
               ("Anak ke", "{{ anak_ke or '-' }}"), ("Nama ayah", "{{ nama_ayah }}"),
               ("Nama ibu", "{{ nama_ibu }}")]),
        ("p", "Surat keterangan ini dibuat berdasarkan laporan dari:"), ("t", REPORTER)]),
    "SKCK": ("SURAT PENGANTAR SKCK", [
        ("p", "menerangkan dengan sebenarnya bahwa:"), ("t", PERSON),
        ("p", CITIZEN + " dan sepanjang pengetahuan kami berkelakuan baik serta tidak sedang tersangkut "
              "perkara pidana. Surat pengantar ini diberikan untuk mengurus Surat Keterangan Catatan "
              "Kepolisian (SKCK) untuk keperluan: {{ keperluan }}.")]),
    "SKM": ("SURAT KETERANGAN KEMATIAN", [
        ("p", "menerangkan dengan sebenarnya bahwa telah meninggal dunia:"),
        ("t", [("Nama", "{{ nama_almarhum }}"), ("NIK", "{{ nik_almarhum or '-' }}"),
               ("Jenis kelamin", "{{ jenis_kelamin_almarhum }}"), ("Umur", "{% if umur_almarhum %}"
               "{{ umur_almarhum }} tahun{% else %}-{% endif %}"),
               ("Hari/tanggal meninggal", "{{ tanggal_meninggal|hari }}, {{ tanggal_meninggal }}"),
               ("Jam", "{% if jam_meninggal %}{{ jam_meninggal }}{% else %}-{% endif %}"),
               ("Tempat meninggal", "{{ tempat_meninggal }}"), ("Sebab meninggal", "{{ sebab_meninggal }}"),
               ("Tempat pemakaman", "{{ tempat_pemakaman or '-' }}")]),
        ("p", "Surat keterangan ini dibuat berdasarkan laporan dari:"), ("t", DEATH_REPORTER)]),
}


def _paragraph(container, text: str = "", *, bold: bool = False, size: float = 11.5,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, after: float = 4, underline: bool = False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.underline, run.font.size, run.font.name = bold, underline, Pt(size), FONT
    return paragraph


def _bottom_rule(paragraph) -> None:
    # The double rule under a kop surat; python-docx has no API for paragraph borders.
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {"w:val": "thinThickSmallGap", "w:sz": "18", "w:space": "1", "w:color": "000000"}.items():
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _rows(document, rows) -> None:
    table = document.add_table(rows=0, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # Word and LibreOffice otherwise squeeze the value column
    for column, width in zip(table.columns, (Cm(5.0), Cm(0.5), Cm(10.5))):
        column.width = width
    for label, value in rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, (label, ":", value), (Cm(5.0), Cm(0.5), Cm(10.5))):
            cell.width = width
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            run = cell.paragraphs[0].add_run(text)
            run.font.size, run.font.name = Pt(11.5), FONT
    _paragraph(document, after=2)


def build(code: str, title: str, blocks: list[tuple[str, object]]) -> WordDocument:
    """One letter template as a python-docx Document."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "PEMERINTAH KABUPATEN {{ kabupaten|upper }}", bold=True, size=13, align=center, after=0)
    _paragraph(document, "KECAMATAN {{ kecamatan|upper }}", bold=True, size=13, align=center, after=0)
    _paragraph(document, "DESA {{ desa|upper }}", bold=True, size=16, align=center, after=0)
    _bottom_rule(_paragraph(document, "{{ alamat_kantor }}", size=10, align=center, after=10))
    _paragraph(document, title, bold=True, underline=True, size=13, align=center, after=0)
    _paragraph(document, "Nomor: {{ nomor_surat }}", align=center, after=10)
    _paragraph(document, "Yang bertanda tangan di bawah ini, Kepala Desa {{ desa }}, Kecamatan {{ kecamatan }}, "
                         "Kabupaten {{ kabupaten }}, " + str(blocks[0][1]))
    for kind, content in blocks[1:]:
        if kind == "t":
            _rows(document, content)
        else:
            _paragraph(document, str(content))
    _paragraph(document, CLOSING, after=10)
    signature = document.add_table(rows=1, cols=2).rows[0].cells
    qr_cell, sign_cell = signature
    qr_cell.width, sign_cell.width = Cm(7.5), Cm(8.5)
    qr_cell.paragraphs[0].add_run("{{ qr_verifikasi }}")
    qr_cell.paragraphs[0].alignment = center
    caption = qr_cell.add_paragraph()
    caption.alignment = center
    note = caption.add_run("Pindai untuk memeriksa keaslian surat")
    note.font.size, note.font.name, note.italic = Pt(9), FONT, True
    for text, bold in (("{{ desa }}, {{ tanggal_surat }}", False), ("Kepala Desa {{ desa }}", False),
                       ("", False), ("", False), ("", False), ("{{ kepala_desa }}", True)):
        paragraph = sign_cell.add_paragraph() if sign_cell.paragraphs[0].text or text == "" else sign_cell.paragraphs[0]
        paragraph.alignment = center
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.underline, run.font.size, run.font.name = bold, bold, Pt(11.5), FONT
    properties = document.core_properties
    properties.title, properties.author, properties.revision = f"{title} ({code})", "Pondok Sheets", 1
    properties.created = properties.modified = datetime(2026, 1, 1)
    return document


def _stable_bytes(document: WordDocument) -> bytes:
    # python-docx stamps each zip entry with the current time; a fixed stamp keeps git diffs to real edits.
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(zipfile.ZipInfo(item.filename, (2026, 1, 1, 0, 0, 0)), source.read(item.filename),
                            zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> int:
    """Write every template; prints where each went."""
    OUT.mkdir(parents=True, exist_ok=True)
    for code, (title, blocks) in LETTERS.items():
        path = OUT / f"{code}.docx"
        path.write_bytes(_stable_bytes(build(code, title, blocks)))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
