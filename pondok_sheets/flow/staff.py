"""What staff do from the command line instead of the sheet."""
from __future__ import annotations

from ..errors import UnknownTicket
from ..office import Office
from ..register.model import PERMOHONAN, Status
from ..register.table import CellWrite, RowKey
from ..register.tickets import normalize_ticket
from ..register.validation import clean_text, neutralize
from .jobs import flush_now


def set_status(office: Office, ticket: str, status: Status, note: str | None = None) -> str:
    """Do what staff do in the sheet: change Status (and Catatan) of one request; returns the ticket.

    A request still in the queue is flushed first (under the run lock, like every run).
    """
    ticket = normalize_ticket(ticket, office.settings.ticket_prefix)
    pending = office.state.queue.queued(ticket)
    if pending is not None and pending.row:
        if flush_now(office, office.now()) is None or (office.state.queue.queued(ticket) or pending).row:
            raise UnknownTicket(ticket)  # still queued: not in the register yet
    writes = [CellWrite(RowKey(ticket=ticket), "Status", status.value)]
    if note is not None:
        writes.append(CellWrite(RowKey(ticket=ticket), "Catatan", neutralize(clean_text(note))))
    if office.store.update(PERMOHONAN.name, writes):
        raise UnknownTicket(ticket)
    return ticket
