"""Where the register lives: a Google Sheet when PONDOK_SHEET_ID is set, else local SQLite."""
from __future__ import annotations

from ..config import Settings
from ..register.catalog import DEFAULT_SERVICES, service_to_row
from ..register.messages import DEFAULT_WORDING
from ..register.model import LAYANAN, PESAN, TABS
from .base import StoreError, TableStore
from .local import LocalStore

__all__ = ["StoreError", "TableStore", "open_store", "prepare_register"]


def open_store(settings: Settings) -> TableStore:
    """The register named by the settings."""
    if settings.uses_google:
        from .google import GoogleStore  # imported lazily: the local default needs no Google libraries

        return GoogleStore.from_settings(settings)
    return LocalStore(settings.data_dir / "register.sqlite3")


def prepare_register(store: TableStore) -> list[str]:
    """Create missing tabs and headers, then seed Layanan and Pesan if they are empty."""
    done = store.prepare(TABS)
    tables = store.read([LAYANAN.name, PESAN.name])
    if not tables[LAYANAN.name].records(LAYANAN.headers):
        store.append(LAYANAN.name, [service_to_row(s) for s in DEFAULT_SERVICES])
        done.append(f"Tab Layanan diisi {len(DEFAULT_SERVICES)} layanan bawaan.")
    if not tables[PESAN.name].records(PESAN.headers):
        store.append(PESAN.name, [{"Status": s.value, "Pesan": text} for s, text in DEFAULT_WORDING.items()])
        done.append("Tab Pesan diisi kalimat pesan bawaan untuk tiap status.")
    return done
