"""`doctor`: is everything set up? Each finding is one line in plain Bahasa Indonesia with the fix."""
from __future__ import annotations

from dataclasses import dataclass

from .office import Office
from .register.model import TABS
from .register.table import MissingHeader
from .stores.base import StoreError

OK, WARN, FAIL = "OK", "PERINGATAN", "MASALAH"


@dataclass(frozen=True)
class Finding:
    """One check's outcome."""

    level: str
    text: str


def examine(office: Office) -> list[Finding]:
    """Check configuration, the register and its headers, and the public address."""
    settings = office.settings
    found = [Finding(OK, "Konfigurasi terbaca.")]
    if settings.uses_google:
        found += _google(office)
    else:
        found.append(Finding(OK, f"Register lokal: {settings.data_dir / 'register.sqlite3'} "
                                 f"(isi PONDOK_SHEET_ID untuk memakai Google Sheet)."))
        found += _headers(office)
    if not settings.public_url:
        found.append(Finding(WARN, "PONDOK_PUBLIC_URL belum diisi: tautan di pesan WhatsApp dan QR code "
                                   "menunjuk ke http://localhost:8080, yang tidak bisa dibuka warga."))
    elif not settings.public_url.startswith("https://"):
        found.append(Finding(WARN, f"PONDOK_PUBLIC_URL ({settings.public_url}) bukan https: "
                                   "pakai alamat https agar formulir aman."))
    if settings.wa_provider == "console":
        found.append(Finding(WARN, "PONDOK_WA_PROVIDER=console: pesan hanya dicetak di layar, tidak dikirim ke "
                                   "WhatsApp. Pakai 'links' untuk mulai tanpa biaya."))
    return found


def _google(office: Office) -> list[Finding]:
    store = office.store
    try:
        account = store.account  # type: ignore[attr-defined]
    except StoreError as error:
        return [Finding(FAIL, str(error))]
    found = [Finding(OK, f"Kunci akun layanan terbaca: {account}.")]
    return found + _headers(office)


def _headers(office: Office) -> list[Finding]:
    try:
        tables = office.store.read([], headers_only=[spec.name for spec in TABS])
    except StoreError as error:
        return [Finding(FAIL, str(error))]
    found = [Finding(OK, "Register bisa dibuka.")]
    for spec in TABS:
        try:
            tables[spec.name].require(spec)
        except MissingHeader as error:
            found.append(Finding(FAIL, str(error)))
        else:
            found.append(Finding(OK, f"Tab {spec.name}: semua kolom ada."))
    return found


def is_healthy(findings: list[Finding]) -> bool:
    """True when no finding is a problem (warnings are allowed)."""
    return all(f.level != FAIL for f in findings)
