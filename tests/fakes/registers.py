"""Registers of any size, built straight into the fake Sheets API (for budget tests and benchmarks)."""
from __future__ import annotations

from pondok_sheets.register.catalog import DEFAULT_SERVICES, service_to_row
from pondok_sheets.register.messages import DEFAULT_WORDING
from pondok_sheets.register.model import LAYANAN, LOG, PERMOHONAN, PESAN


def permohonan_rows(count: int, status: str = "Selesai") -> list[list[str]]:
    """`count` requests already told their status: by default finished (Selesai), as a long-running office's
    register mostly holds."""
    rows = [list(PERMOHONAN.headers)]
    for i in range(count):
        ticket = f"PDK-{i:07d}".replace("0", "A").replace("1", "B")
        # Cells as varied as a real office's: each row its own NIK, number and times.
        received, told = f"2026-10-{1 + i % 28:02d} {8 + i % 8:02d}:{i % 60:02d}", f"2026-10-{1 + i % 28:02d} 15:{i % 60:02d}"
        rows.append([ticket, received, "Formulir", "Surat Keterangan Domisili", f"Warga {i}",
                     f"320101{1 + i % 28:02d}{1 + i % 12:02d}{80 + i % 20:02d}{i % 10000:04d}", f"0812-{3000 + i % 7000:04d}-{i % 10000:04d}", "", status, "",
                     told, f"{status} · dikabari {told}"])
    return rows


def build_register(api, spreadsheet_id: str, count: int, status: str = "Selesai") -> None:
    """A spreadsheet holding every tab, `count` requests at `status`, the default catalogue and wording."""
    layanan = [list(LAYANAN.headers)] + [[service_to_row(s)[h] for h in LAYANAN.headers] for s in DEFAULT_SERVICES]
    pesan = [list(PESAN.headers)] + [[s.value, text] for s, text in DEFAULT_WORDING.items()]
    api.create_spreadsheet(spreadsheet_id, {
        PERMOHONAN.name: permohonan_rows(count, status), LAYANAN.name: layanan, PESAN.name: pesan,
        LOG.name: [list(LOG.headers)]}, input_option="RAW")
