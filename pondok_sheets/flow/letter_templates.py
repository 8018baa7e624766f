"""Which template a service's letter uses, and whether it can be drafted with it (for the sync, `surat`, doctor).

The office's own `<KODE>.docx` in PONDOK_LETTER_DIR wins over the built-in one. Checking a template
loads python-docx, lxml and jinja2, so its result is remembered in the state file until the file or
the service's Isian changes.
"""
from __future__ import annotations

from pathlib import Path

from ..documents.letters import builtin_template, check_template, placeholders
from ..office import Office
from ..register.letter_numbers import NumberBook, NumberFormatError
from ..register.model import Service

TEMPLATE_CHECKS = "template_checks"  # meta: {service code: [the template file's key, its problems]}


def template_path(office: Office, service: Service) -> Path | None:
    """The office's own `<KODE>.docx` when there is one, else the built-in; None for neither."""
    if has_own_template(office, service):
        return office.settings.templates_dir / f"{service.code.upper()}.docx"
    builtin = builtin_template(service.code)
    return builtin if builtin.is_file() else None


def has_own_template(office: Office, service: Service) -> bool:
    """The office's own `<KODE>.docx` is in PONDOK_LETTER_DIR (else the built-in one is used)."""
    return (office.settings.templates_dir / f"{service.code.upper()}.docx").is_file()


def template_problems(office: Office, service: Service) -> list[str]:
    """Why this service's letter cannot be drafted (template, Isian, number format); empty when it can."""
    problems = [f"Isian layanan {service.code}: {p}" for p in service.field_problems]
    path = template_path(office, service)
    if path is None:
        problems.append(f"Layanan {service.code} belum punya templat surat: taruh {service.code.upper()}.docx "
                        f"di {office.settings.templates_dir}.")
    else:
        problems += [f"Templat {path.name}: {p}" for p in _checked(office, service, path)]
    try:
        NumberBook(service.number_format or office.settings.letter_format, [], restart=office.settings.letter_restart)
    except NumberFormatError as error:
        problems.append(f"Format Nomor layanan {service.code}: {error}")
    return problems


def _checked(office: Office, service: Service, path: Path) -> list[str]:
    """`check_template`, remembered until the file or the service's fields change: checking loads python-docx,
    lxml and jinja2 (~0.25 s and ~12 MB), which a sync drafting one letter would otherwise pay every time."""
    stat = path.stat()
    key = [str(path), stat.st_mtime_ns, stat.st_size, sorted(placeholders(service.fields))]
    known = office.state.meta.get(TEMPLATE_CHECKS) or {}
    if known.get(service.code, [None])[0] == key:
        return list(known[service.code][1])
    problems = check_template(path, service.fields)
    office.state.meta.set(TEMPLATE_CHECKS, {**known, service.code: [key, problems]})
    return problems
