"""A letter as a file: rendered again from the register whenever its staff link is opened.

Nothing of a letter is kept but three cells of its row (`letters.py`), so the .docx is made here,
from the office's template, each time: a host that loses its disk loses no letter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..documents.letters import LetterTemplateError, letter_context, render_letter, to_pdf
from ..errors import UnknownTicket
from ..office import Office
from ..register.catalog import find_service
from ..register.fields import parse_rincian
from ..register.letter_codes import verification_code
from ..register.validation import unneutralize
from .letter_templates import template_path, template_problems
from .letters import letter_secret, read_register, read_token, village_header


@dataclass(frozen=True)
class Letter:
    """A rendered letter for the staff link."""

    filename: str
    docx: bytes
    number: str


def render_for_link(office: Office, token: str, now: datetime) -> Letter:
    """The letter a staff link names, rendered now from the register (one read).

    Raises LinkError (403), UnknownTicket (404) or LetterTemplateError (the template broke since)."""
    ticket, issued = read_token(office, token, now)
    requests, services, _ = read_register(office)
    request = next((r for r in requests if r.ticket == ticket and r.letter_number), None)
    if request is None:
        raise UnknownTicket(ticket)
    service = find_service(services, request.service)
    if service is None:
        raise LetterTemplateError(f"Layanan '{request.service}' tidak ada lagi di tab Layanan.")
    problems = template_problems(office, service)
    if problems:
        raise LetterTemplateError(" ".join(problems))
    number = unneutralize(request.letter_number)
    rincian = parse_rincian(service.fields, unneutralize(request.rincian))
    context = letter_context(header=village_header(office), service_name=service.name, ticket=ticket,
                             name=unneutralize(request.name), nik=unneutralize(request.nik), number=number,
                             when=issued, fields=service.fields, values=rincian.values)
    code = verification_code(letter_secret(office), ticket, number)
    path = template_path(office, service)
    assert path is not None  # template_problems said it exists
    docx = render_letter(path, context, f"{office.links.base}/verifikasi/{code}")
    return Letter(f"{service.code}-{ticket}.docx", docx, number)


def pdf_of(letter: Letter) -> bytes | None:
    """The same letter as PDF when LibreOffice is installed; None when it is not."""
    return to_pdf(letter.docx)

