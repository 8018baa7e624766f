"""`surat TIKET`: draft one letter now (or give a fresh link to one already numbered)."""
from __future__ import annotations

from datetime import datetime

import click

from ..errors import LetterTemplateError, UnknownTicket
from ..flow import jobs
from ..flow.letters import draft_ticket
from ..office import Office
from ..register.tickets import normalize_ticket
from .group import StaffError, cli, office

LOCK_WAIT = 60  # seconds: a sync in progress finishes well within this


def draft_locked(here: Office, ticket: str, now: datetime) -> tuple[str, str]:
    """Draft under the run lock, so no sync or second command hands out the same number meanwhile."""
    with jobs.run_lock(here, wait=LOCK_WAIT) as held:
        if not held:
            raise StaffError("Sinkron lain sedang berjalan terlalu lama; coba lagi sebentar lagi.")
        return draft_ticket(here, ticket, now)


@cli.command("surat")
@click.argument("ticket")
def surat(ticket: str) -> None:
    """Buat surat untuk satu tiket sekarang: nomor surat dan tautan .docx ditulis ke register."""
    here = office()
    try:
        number, link = draft_locked(here, ticket, here.now())
    except UnknownTicket:
        shown = normalize_ticket(ticket, here.settings.ticket_prefix)
        raise StaffError(f"Tiket {shown} tidak ditemukan di register (permohonan baru masuk setelah sinkron).",
                         2) from None
    except LetterTemplateError as error:
        raise StaffError(str(error)) from None
    click.echo(f"Nomor surat: {number}")
    click.echo(f"Tautan surat (hanya untuk petugas, berlaku {here.settings.letter_link_days} hari): {link}")
