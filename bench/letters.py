"""Benchmark: a sync that drafts 50 letters, against the fake Sheets API over real HTTP.

Prints the Sheets requests of that sync (the budget: no request beyond the sync's own
batched read and write), its CPU time, and the cost of opening one staff link (one read,
the .docx rendered from the register).

Run: python bench/letters.py
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pondok_sheets.config import Settings  # noqa: E402
from pondok_sheets.flow.intake import submit  # noqa: E402
from pondok_sheets.flow.letter_files import render_for_link  # noqa: E402
from pondok_sheets.flow.sync import sync  # noqa: E402
from pondok_sheets.office import Office  # noqa: E402
from pondok_sheets.register.model import PERMOHONAN, Channel  # noqa: E402
from pondok_sheets.register.table import CellWrite, RowKey  # noqa: E402
from pondok_sheets.stores import prepare_register  # noqa: E402
from tests.conftest import VALID  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402

LETTERS = 50


def main(argv: list[str]) -> None:
    """Parse the command line (only --help), then run both syncs and print their figures."""
    argparse.ArgumentParser(prog="python bench/letters.py", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    with FakeSheetsAPI() as api:
        for drafting in ("", "Diproses"):
            with tempfile.TemporaryDirectory() as folder:
                run(api, Path(folder), drafting)


def run(api: FakeSheetsAPI, folder: Path, drafting: str) -> None:
    """50 requests set to Diproses at once, synced with drafting on (or off, for comparison)."""
    sheet_id = f"bench-letters-{drafting or 'off'}-xxxxxxxxxxxxxxxx"
    api.create_spreadsheet(sheet_id)
    key = folder / "credentials.json"
    key.write_text(json.dumps(api.service_account_info()))
    settings = Settings(sheet_id=sheet_id, google_credentials=str(key), sheets_api_url=api.base_url,
                        data_dir=folder / "data", settle_minutes=0, quiet_hours=None, secret_key="bench",
                        kode_desa="DS-PDK", public_url="https://layanan.desapondok.id", letter_status=drafting)
    office = Office.open(settings)
    office.messenger.stream = open("/dev/null", "w")
    prepare_register(office.store)
    codes = ("SKD", "SKTM", "SKU", "SKCK", "PKTP")
    tickets = [submit(office, codes[i % len(codes)], VALID, Channel.FORM) for i in range(LETTERS)]
    sync(office)
    office.store.update(PERMOHONAN.name, [CellWrite(RowKey(ticket=t), "Status", "Diproses") for t in tickets])
    api.reset_counts()
    cpu, wall = time.process_time(), time.perf_counter()
    report = sync(office)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows = office.store.read([PERMOHONAN.name])[PERMOHONAN.name]
    numbers = [rows.cell(r, "Nomor Surat") for r in rows.rows]
    what = f"drafting {LETTERS} letters" if drafting else "drafting off    "
    print(f"sync of {LETTERS} requests set to Diproses, {what} ({report.sent} messages sent): "
          f"{api.reads} reads, {api.writes} writes; {cpu:.2f} s CPU, {wall:.2f} s wall")
    if not drafting:
        return
    assert report.ok and len(set(numbers)) == LETTERS, report.summary()
    link = rows.cell(rows.rows[0], "Surat")
    api.reset_counts()
    cpu = time.process_time()
    letter = render_for_link(office, link.rsplit("/", 1)[1], office.now())
    cpu = time.process_time() - cpu
    print(f"opening one staff link: {api.reads} read, {api.writes} writes, {cpu * 1000:.0f} ms CPU, "
          f"{len(letter.docx) // 1024} KB .docx")


if __name__ == "__main__":
    main(sys.argv[1:])
