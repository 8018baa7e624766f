"""`init-sheet` on either store: tabs, headers and the seed of Layanan and Pesan, idempotently."""
from __future__ import annotations

from ..errors import StoreError
from ..register.catalog import DEFAULT_SERVICES, service_to_row
from ..register.changes import legacy_text, read_requests, walkin_key
from ..register.complaints import DEFAULT_CATEGORIES, KATEGORI, PENGADUAN
from ..register.messages import DEFAULT_WORDING
from ..register.model import (
    KIRIM_WA,
    LAYANAN,
    LAYANAN_SURVEI,
    PERMOHONAN,
    PESAN,
    TABS,
    Request,
    Status,
    TabSpec,
)
from ..register.survey import SURVEI
from ..register.table import CellWrite, RowKey
from .base import TableStore


def prepare_register(store: TableStore, with_links: bool = False, extra: tuple[TabSpec, ...] = ()) -> list[str]:
    """Create missing tabs and headers, then seed Layanan and Pesan if they are empty.

    Rows already in Permohonan when its Notifikasi column is created (an office's existing
    sheet, or a Notifikasi column staff deleted) are marked as told, so installing the
    service never messages every resident in the office's history.
    """
    untold = _rows_without_notifikasi(store)
    voice = (LAYANAN_SURVEI, SURVEI, PENGADUAN, KATEGORI)  # the residents' voice (issue 15)
    done = store.prepare(_merged(TABS + ((KIRIM_WA,) if with_links else ()) + voice + extra))
    if untold:
        missed = store.update(PERMOHONAN.name, [
            CellWrite(RowKey(ticket=r.ticket) if r.ticket else walkin_key(r), "Notifikasi",
                      legacy_text(Status.parse(r.status) or Status.BARU)) for r in untold])
        done.append(f"{len(untold) - len(missed)} baris lama ditandai 'data lama, tidak dikabari' "
                    f"agar pemohon lama tidak dikirimi pesan.")
    tables = store.read([LAYANAN.name, PESAN.name, KATEGORI.name])
    if not tables[LAYANAN.name].records(LAYANAN.headers):
        store.append(LAYANAN.name, [service_to_row(s) for s in DEFAULT_SERVICES])
        done.append(f"Tab Layanan diisi {len(DEFAULT_SERVICES)} layanan bawaan.")
    if not tables[PESAN.name].records(PESAN.headers):
        store.append(PESAN.name, [{"Status": s.value, "Pesan": text} for s, text in DEFAULT_WORDING.items()])
        done.append("Tab Pesan diisi kalimat pesan bawaan untuk tiap status.")
    if not tables[KATEGORI.name].records(KATEGORI.headers):
        store.append(KATEGORI.name, [{"Kategori": c} for c in DEFAULT_CATEGORIES])
        done.append("Tab Kategori Pengaduan diisi kategori bawaan.")
    return done


def _merged(specs: tuple[TabSpec, ...]) -> tuple[TabSpec, ...]:
    """One spec per tab: optional columns (Layanan's Survei) join their tab's spec, in order."""
    headers: dict[str, list[str]] = {}
    for spec in specs:
        have = headers.setdefault(spec.name, [])
        have += [h for h in spec.headers if h not in have]
    return tuple(TabSpec(name, tuple(h)) for name, h in headers.items())


def _rows_without_notifikasi(store: TableStore) -> list[Request]:
    try:
        table = store.read([PERMOHONAN.name])[PERMOHONAN.name]
    except StoreError:
        return []  # no Permohonan tab yet: nothing to protect
    if table.column("Notifikasi") is not None or table.column("Status") is None:
        return []
    return read_requests(table)
