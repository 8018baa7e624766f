"""Letters drafted from the office's Word (.docx) templates with docxtpl, carrying a QR code.

A template uses Jinja placeholders (`{{ nama }}`, `{% if dusun %}…{% endif %}`); staff
write them in Word. The QR image goes where the template says `{{ qr_verifikasi }}`.
A template that would print a blank or a raw `{{ … }}` is refused with a message
naming the problem, so a broken letter never leaves the office.

docxtpl, python-docx and qrcode load on first use, not on import: most syncs draft no letter,
and a cron `sync` should not pay a tenth of a second to import them (issue 16).
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pondok_sheets.errors import LetterTemplateError
from pondok_sheets.register.dates import day_name, long_date
from pondok_sheets.register.fields import Field, parse_date

if TYPE_CHECKING:  # third-party types, for annotations only
    from docxtpl import DocxTemplate
    from jinja2 import Environment, TemplateSyntaxError

BUILTIN_TEMPLATES = Path(__file__).with_name("letter_templates")
BASE_PLACEHOLDERS = ("nama", "nik", "nomor_surat", "tanggal_surat", "kabupaten", "kecamatan", "desa",
                     "alamat_kantor", "kepala_desa", "layanan", "tiket", "qr_verifikasi")
QR_WIDTH_MM = 28


@dataclass(frozen=True)
class VillageHeader:
    """The kop surat: what every letter of the office prints at the top and at the signature."""

    kabupaten: str
    kecamatan: str
    desa: str
    alamat_kantor: str
    kepala_desa: str


def placeholders(fields: Iterable[Field] = ()) -> frozenset[str]:
    """Every placeholder a template for a service with these Isian fields may use."""
    return frozenset(BASE_PLACEHOLDERS) | {f.key for f in fields}


def letter_context(*, header: VillageHeader, service_name: str, ticket: str, name: str, nik: str,
                   number: str, when: date, fields: Iterable[Field], values: Mapping[str, str]
                   ) -> dict[str, str]:
    """The values for a template; an optional field left empty prints as nothing, not an error."""
    context = {key: "" for key in (f.key for f in fields)}
    context.update({k: v for k, v in values.items() if k in context})
    context.update({"nama": name, "nik": nik, "nomor_surat": number, "tanggal_surat": long_date(when),
                    "layanan": service_name, "tiket": ticket, **header.__dict__})
    return context


def builtin_template(code: str) -> Path:
    """The default template shipped for a built-in service (e.g. `SKU`)."""
    return BUILTIN_TEMPLATES / f"{code.upper()}.docx"


def _load(template: Path | bytes) -> DocxTemplate:
    from docxtpl import DocxTemplate

    data = template if isinstance(template, bytes) else Path(template).read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LetterTemplateError("Templat surat bukan berkas .docx (simpan dari Word sebagai .docx).")
    try:
        return DocxTemplate(io.BytesIO(data))
    except Exception as error:  # python-docx raises several kinds for a damaged package
        raise LetterTemplateError(f"Templat surat tidak bisa dibuka sebagai dokumen Word: {error}") from error


def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined  # only where a letter is made: a sync that drafts none skips it

    # StrictUndefined turns a placeholder nobody fills into an error instead of a blank in the letter.
    environment = Environment(undefined=StrictUndefined, autoescape=False)
    environment.filters["hari"] = day_of
    return environment


def day_of(value: object) -> str:
    """The `hari` filter: `{{ tanggal_meninggal|hari }}` prints `Senin`; nothing for an unreadable date."""
    when = parse_date(str(value))
    return day_name(when) if when else ""


# Jinja's wording is English and technical; staff get the common cases in their words.
_SYNTAX_HINTS = (
    ("unexpected end of template", "ada {% if %} atau {% for %} yang tidak ditutup dengan {% endif %} "
                                   "atau {% endfor %}"),
    ("unexpected '}'", "ada {{ atau }} yang tidak berpasangan"),
    ("unexpected char", "ada tanda yang tidak boleh dipakai di dalam {{ }}"),
    ("encountered unknown tag", "ada perintah {% … %} yang tidak dikenal atau tidak berpasangan"),
    ("expected token", "ada {{ … }} atau {% … %} yang belum lengkap"),
)


def _paragraph_texts(template: DocxTemplate) -> list[str]:
    document = template.get_docx()
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for table in document.tables for row in table.rows for cell in row.cells
              for p in cell.paragraphs]
    return [t for t in texts if "{" in t or "}" in t]


def _syntax_problem(template: DocxTemplate, error: TemplateSyntaxError) -> str:
    from jinja2 import TemplateSyntaxError

    detail = error.message or str(error)
    hint = next((text for key, text in _SYNTAX_HINTS if key in detail.lower()), "penulisan placeholder salah")
    # Word keeps the whole body on one XML line, so Jinja's line number says nothing to staff;
    # find the first paragraph that is broken on its own instead (blocks may span paragraphs).
    where = ""
    for text in _paragraph_texts(template):
        try:
            _environment().parse(text)
        except TemplateSyntaxError as own:
            if "end of template" not in (own.message or "").lower() or "end of template" in detail.lower():
                where = f" Periksa paragraf «{' '.join(text.split())[:100]}»."
                break
    return f"Templat surat salah tulis: {hint} ({detail.rstrip('.')}).{where}"


def _unknown_names(template: DocxTemplate, known: Iterable[str]) -> set[str]:
    from jinja2 import TemplateSyntaxError

    try:
        return template.get_undeclared_template_variables(_environment()) - set(known)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(_syntax_problem(template, error)) from error


def check_template(template: Path | bytes, fields: Iterable[Field] = ()) -> list[str]:
    """The problems a template has, in Bahasa Indonesia (for `doctor`); empty when it is usable."""
    try:
        unknown = _unknown_names(_load(template), placeholders(fields))
    except LetterTemplateError as error:
        return [str(error)]
    return [f"Templat surat memakai {{{{ {name} }}}}, yang tidak dikenal. Yang bisa dipakai: "
            f"{', '.join(sorted(placeholders(fields)))}." for name in sorted(unknown)]


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes, with the quiet zone scanners need."""
    import qrcode

    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def render_letter(template: Path | bytes, context: Mapping[str, object], verify_url: str) -> bytes:
    """The finished letter as .docx bytes; raises LetterTemplateError rather than print a broken one."""
    from docx.shared import Mm
    from docxtpl import InlineImage
    from jinja2 import TemplateSyntaxError, UndefinedError

    document = _load(template)
    unknown = _unknown_names(document, set(context) | {"qr_verifikasi"})
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in sorted(unknown))
        raise LetterTemplateError(f"Templat surat memakai {names}, yang tidak dikenal. Surat tidak dibuat.")
    values = {**context, "qr_verifikasi": InlineImage(document, io.BytesIO(qr_png(verify_url)),
                                                      width=Mm(QR_WIDTH_MM))}
    try:
        # autoescape keeps a resident's `&` or `<` from breaking the document's XML.
        document.render(values, jinja_env=_environment(), autoescape=True)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(_syntax_problem(document, error)) from error
    except UndefinedError as error:
        raise LetterTemplateError(f"Templat surat memakai isian yang tidak tersedia: {error.message}.") from error
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def to_pdf(docx: bytes, timeout: float = 60) -> bytes | None:
    """The letter as PDF via LibreOffice when `soffice` is installed; None when it is not or it fails."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="pondok-surat-") as folder:
        source = Path(folder) / "surat.docx"
        source.write_bytes(docx)
        # A private profile: two conversions sharing ~/.config/libreoffice block each other.
        profile = (Path(folder) / "profile").as_uri()
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", folder, str(source)],
                           capture_output=True, timeout=timeout, check=False)
        except (subprocess.TimeoutExpired, OSError):
            return None
        result = Path(folder) / "surat.pdf"
        return result.read_bytes() if result.exists() and result.stat().st_size else None
