"""Keeping the Log tab tidy and private: numbers masked, old rows moved to "Log Arsip".

Moving is done so a crash loses nothing: the rows are kept in local state first, then
deleted from Log, then appended to the archive, then forgotten locally. Rows a run left
behind are first looked for in the archive (by time, ticket, recipient and ID Pesan, as a Log
row is found), so none is archived twice.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..office import Office
from ..register.model import LOG, TabSpec
from ..register.stamps import parse_day
from ..register.table import CellWrite, RowKey
from ..register.validation import mask_phone, parse_phone

LOG_ARCHIVE = TabSpec("Log Arsip", LOG.headers)
_UNMASKED = re.compile(r"\d{8,}")


def _unmasked(text: str) -> bool:
    return bool(_UNMASKED.search(re.sub(r"[\s\-.+]", "", text)))


def _masked(text: str) -> str:
    phone = parse_phone(text)
    return phone.masked if phone else mask_phone(text)


def _key(row: dict[str, str]) -> RowKey:
    return RowKey(cells=tuple((h, row[h]) for h in ("Waktu", "Tiket", "Kepada", "ID Pesan")))


def tidy_log(office: Office, now: datetime) -> str:
    """Mask any whole number left in Log's Kepada column; archive rows older than PONDOK_LOG_KEEP_DAYS."""
    store, state = office.store, office.state
    table = store.read([LOG.name])[LOG.name]
    table.require(LOG)
    rows = [values for _, values in table.records(LOG.headers)]
    masks = [CellWrite(_key(r), "Kepada", _masked(r["Kepada"])) for r in rows if _unmasked(r["Kepada"])]
    store.update(LOG.name, masks)
    moved = 0
    if office.settings.log_keep_days:
        cutoff = (now - timedelta(days=office.settings.log_keep_days)).date()
        old = [r for r in rows if (day := parse_day(r["Waktu"])) and day < cutoff]
        archived = [{**r, "Kepada": _masked(r["Kepada"]) if _unmasked(r["Kepada"]) else r["Kepada"]} for r in old]
        carried = state.meta.get("log_archive", [])  # left by a run that did not finish: may be archived already
        fresh = [r for r in archived if r not in carried]
        state.meta.set("log_archive", carried + fresh)  # kept locally before Log loses them
        if old:
            store.delete_rows(LOG.name, [_key(r) for r in old])
        if carried or fresh:
            store.prepare([LOG_ARCHIVE])
            if carried:  # their append may have landed, its answer lost: those already archived are not added again
                present = {_key(r) for _, r in store.read([LOG_ARCHIVE.name])[LOG_ARCHIVE.name].records(LOG.headers)}
                carried = [r for r in carried if _key(r) not in present]
            store.append(LOG_ARCHIVE.name, carried + fresh)
            state.meta.set("log_archive", [])
            moved = len(carried) + len(fresh)
    return f"{len(masks)} nomor disamarkan, {moved} baris dipindah ke {LOG_ARCHIVE.name}"
