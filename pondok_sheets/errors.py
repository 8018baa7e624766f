"""The domain exceptions, in one place; the faces translate them at the edge.

Every error a resident or staff member can meet is one of these, its message already in
Bahasa Indonesia. A Flask error handler turns them into a page, the CLI into one line and a
non-zero exit; neither ever shows a traceback.

    PondokError
    ├── ConfigError            a PONDOK_* value is wrong; names the variable
    ├── InvalidInput           what a resident or staff member typed is wrong; one message per field
    ├── UnknownTicket          no request with this ticket in the register or the queue
    ├── MissingHeader          a header the service needs is missing from a tab (renamed or deleted)
    ├── StoreError             the register could not be reached or refused; `permanent` says if waiting helps
    │   └── CredentialsProblem the service-account key is missing or unreadable
    ├── MessengerError         a message could not be sent; `permanent`, `stop_all`, `uncertain`
    ├── MalformedWebhook       a body that is not a WhatsApp Business Account webhook
    ├── TicketSpaceExhausted   no free ticket turned up in many tries
    ├── NewerStateError        the local state file was written by a newer release; update, don't downgrade
    ├── LinkError              a staff letter link that must not be honoured: unsigned, tampered or expired
    ├── FieldSpecError         an Isian cell of the Layanan tab that cannot be read; one problem per line
    ├── BadPeriod              a survey period (2026-S2, 2026-11, …) the survey does not know
    ├── NumberFormatError      a letter number format (Format Nomor) that cannot be used
    └── LetterTemplateError    a letter template that cannot make a correct letter

One exception lives elsewhere on purpose: `messengers/graph.GraphError`, the raw answer of the
Graph API choke point. Staff never see it: `messengers/cloud.py` turns it into a
`MessengerError`, and `cli/doctor.py` into its own check lines.
"""
from __future__ import annotations


class PondokError(Exception):
    """Base of every domain error; its message is for staff or residents, in Bahasa Indonesia."""


class ConfigError(PondokError, ValueError):
    """A configuration value is wrong; the message is one line naming the variable."""

    def __init__(self, name: str, expected: str, got: str | None = None):
        shown = "" if got is None else f" (sekarang: {got!r})"
        super().__init__(f"{name} harus {expected}{shown}.")
        self.name = name


class InvalidInput(PondokError, ValueError):
    """One or more fields are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class UnknownTicket(PondokError, LookupError):
    """No request with this ticket is in the register or the queue."""

    def __init__(self, ticket: str):
        super().__init__(f"Tiket {ticket} tidak ditemukan di register.")
        self.ticket = ticket


class MissingHeader(PondokError, LookupError):
    """A header the service needs is not in the tab (renamed or deleted by staff)."""

    def __init__(self, tab: str, header: str):
        super().__init__(
            f"Kolom '{header}' tidak ditemukan di tab {tab}. Kembalikan judul kolomnya, "
            f"atau jalankan: python main.py init-sheet")
        self.tab = tab
        self.header = header


class StoreError(PondokError, RuntimeError):
    """The register could not be reached or refused a request; work stays queued.

    `permanent` says whether retrying later can help (a quota error can, a missing
    permission cannot).
    """

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class CredentialsProblem(StoreError):
    """The service-account key is missing or unreadable; retrying cannot help."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class MessengerError(PondokError, RuntimeError):
    """A message could not be sent.

    `permanent`: retrying this message cannot help (the number is not on WhatsApp), as
    opposed to a busy or unreachable API. `stop_all`: the office's set-up is wrong (an
    expired token): no message can go out until the operator acts. `uncertain`: the API
    never answered, so the message may or may not have gone out.
    """

    def __init__(self, reason: str, permanent: bool = False, stop_all: bool = False, uncertain: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.stop_all = stop_all
        self.uncertain = uncertain


class MalformedWebhook(PondokError, ValueError):
    """The body is not a WhatsApp Business Account webhook."""


class TicketSpaceExhausted(PondokError, RuntimeError):
    """No free ticket turned up in many tries (only if the taken set is absurdly full)."""


class NewerStateError(PondokError, RuntimeError):
    """The local state file was written by a newer release than this code (a downgrade)."""

    def __init__(self, path: object, version: int, known: int):
        super().__init__(
            f"Berkas state {path} ditulis oleh versi Pondok Sheets yang lebih baru (skema {version}; "
            f"versi ini hanya mengenal sampai {known}). Pasang kembali versi yang lebih baru itu; "
            f"jangan hapus berkasnya, karena antrean dan catatan pesan ada di sana.")
        self.path = path
        self.version = version
        self.known = known


class LinkError(PondokError, PermissionError):
    """A staff link that must not be honoured; `reason` is `unsigned`, `tampered` or `expired`."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class FieldSpecError(PondokError, ValueError):
    """An Isian cell that cannot be read; `problems` names each bad line in Bahasa Indonesia."""

    def __init__(self, problems: list[str]):
        message = "\n".join(problems)  # each line already says, in Bahasa Indonesia, what is wrong
        super().__init__(message)
        self.problems = problems


class BadPeriod(PondokError, ValueError):
    """The period text is not one the survey knows; the message says what is."""


class NumberFormatError(PondokError, ValueError):
    """A letter number format that cannot be used; the message is for staff, in Bahasa Indonesia."""


class LetterTemplateError(PondokError, ValueError):
    """A template that cannot make a correct letter; the message (Bahasa Indonesia) names why."""
