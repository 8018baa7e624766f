"""Every address the service hands out: ticket pages, forms, the chat, wa.me links, QR targets.
One place builds them."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .forms import prefilled
from .model import Service
from .validation import Phone

LOCAL_URL = "http://localhost:8080"  # where `serve` listens by default; doctor warns when links would point here


@dataclass(frozen=True)
class Links:
    """The office's public addresses, from PONDOK_PUBLIC_URL (or the address a page was reached at)."""

    public_url: str = ""
    office_wa: Phone | None = None
    fallback: str = LOCAL_URL

    def at(self, fallback: str) -> "Links":
        """The same links, falling back to the address this request came to instead of localhost."""
        return Links(self.public_url, self.office_wa, fallback)

    @property
    def base(self) -> str:
        """The site's root without a trailing slash."""
        return (self.public_url or self.fallback).rstrip("/")

    def home(self) -> str:
        """The landing page with every service."""
        return f"{self.base}/"

    def check(self) -> str:
        """The status look-up page."""
        return f"{self.base}/cek"

    def ticket(self, ticket: str) -> str:
        """The public status page of a ticket, as residents receive it."""
        return f"{self.base}/tiket/{ticket}"

    def complaints(self) -> str:
        """The complaints and suggestions page (pengaduan)."""
        return f"{self.base}/pengaduan"

    def survey(self) -> str:
        """The counter's survey page, where a walk-in types or scans a ticket."""
        return f"{self.base}/survei"

    def form(self, service: Service) -> str:
        """Where a service is applied for: its Google Form (service pre-filled) or the web form."""
        return prefilled(service.form_url, service.name) if service.form_url else f"{self.base}/ajukan/{service.code}"

    def chat(self) -> str:
        """The office's WhatsApp chat, opened with a greeting so the menu comes back at once; '' if unset."""
        if self.office_wa is None:
            return ""
        return self.wa_me(self.office_wa.digits, "Halo")

    def share(self, ticket: str, service: str) -> str:
        """A wa.me link that lets a resident send a ticket's status page to whomever they choose."""
        return self.wa_me("", f"Tiket {ticket} ({service}): cek status di {self.ticket(ticket)}")

    @staticmethod
    def wa_me(digits: str, text: str) -> str:
        """https://wa.me/<country code and number, digits only>?text=<text, URL-encoded>; no number: pick a chat."""
        return f"https://wa.me/{''.join(c for c in digits if c.isdigit())}?text={quote(text, safe='')}"
