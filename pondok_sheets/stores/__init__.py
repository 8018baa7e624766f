"""Where the register lives: a Google Sheet when PONDOK_SHEET_ID is set, else local SQLite."""
from __future__ import annotations

from ..config import Settings
from ..errors import StoreError
from .base import TableStore
from .local import LocalStore
from .prepare import prepare_register

__all__ = ["StoreError", "TableStore", "open_store", "prepare_register"]


def open_store(settings: Settings) -> TableStore:
    """The register named by the settings."""
    if settings.uses_google:
        from .google import (
            GoogleStore,  # imported lazily: the local default needs no Google libraries
        )

        return GoogleStore.from_settings(settings)
    return LocalStore(settings.data_dir / "register.sqlite3")
