"""Benchmark: issue 16 item 3, a narrower read against one batched full read, at 50,000 rows.

Design A (kept): one values:batchGet of every tab, whole rows, then to_grid.
Design B: one batchGet of the change-detection columns only (Tiket, Layanan, Nama, NIK,
WhatsApp, Status, Catatan, Notifikasi: the walk-in key cells included) for all rows, then a
second batchGet of whole rows for the K rows found new or changed. B costs one more read
request per cycle, which with the rows-by-ticket re-read before writing makes 3 reads, over
the budget of 2, so it would have to win clearly on CPU to be worth it.

Prints bytes on the wire and client CPU (median of 5, in this process) of each design.
Run: python bench/narrow_read.py [--rows N] [--changed K]
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from itertools import zip_longest
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pondok_sheets.stores.sheet_values import READ_PARAMS, to_grid  # noqa: E402
from pondok_sheets.stores.google_api import GoogleSession, column_letter, read_key  # noqa: E402
from pondok_sheets.stores.sheets_client import BoundedSheetsClient  # noqa: E402
from tests.fakes.registers import build_register  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402

DETECTION = ("Tiket", "Layanan", "Nama", "NIK", "WhatsApp", "Status", "Catatan", "Notifikasi")


def cpu_of(run) -> tuple[float, int]:
    """Median client CPU seconds of five runs, and the bytes the last one received."""
    times, size = [], 0
    for _ in range(5):
        start = time.process_time()
        size = run()
        times.append(time.process_time() - start)
    return median(times), size


def main(argv: list[str]) -> None:
    """Measure both designs against the fake and print them side by side."""
    rows = int(argv[argv.index("--rows") + 1]) if "--rows" in argv else 50_000
    changed = int(argv[argv.index("--changed") + 1]) if "--changed" in argv else 10
    with FakeSheetsAPI() as api, tempfile.TemporaryDirectory() as tmp:
        sheet_id = "bench-narrow-xxxxxxxxxxxxxxxxxx"
        build_register(api, sheet_id, rows)
        key = Path(tmp) / "credentials.json"
        key.write_text(json.dumps(api.service_account_info()))
        client = BoundedSheetsClient(GoogleSession(read_key(str(key)), api_url=api.base_url))
        headers = api.values(sheet_id, "Permohonan")[0]
        tabs = ["'Permohonan'", "'Layanan'", "'Pesan'", "'Log'!1:1"]

        def full() -> int:
            answer = client.values_batch_get(sheet_id, tabs, params=dict(READ_PARAMS))
            to_grid(answer["valueRanges"][0].get("values", []))
            return len(json.dumps(answer))

        def narrow() -> int:
            columns = [column_letter(headers.index(h)) for h in DETECTION]
            ranges = [f"'Permohonan'!{c}:{c}" for c in columns] + tabs[1:]
            answer = client.values_batch_get(sheet_id, ranges, params=dict(READ_PARAMS))
            keys = answer["valueRanges"][:len(columns)]
            # the comparison needs each row's key cells side by side (then a fingerprint per row)
            cells = [[str(v[0]) if v else "" for v in col.get("values", [])] for col in keys]
            list(zip_longest(*cells, fillvalue=""))
            wanted = [f"'Permohonan'!{r}:{r}" for r in range(2, 2 + changed)]
            again = client.values_batch_get(sheet_id, wanted, params=dict(READ_PARAMS))
            return len(json.dumps(answer)) + len(json.dumps(again))

        for name, run in (("A: one batched full read", full), (f"B: key columns + {changed} rows", narrow)):
            api.reset_counts()
            cpu, size = cpu_of(run)
            print(f"{name:<32} {cpu:.3f} s client CPU (median of 5), {size / 1e6:.1f} MB, "
                  f"{api.reads // 5} read requests per cycle (before the re-read for writing)")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit
    main(sys.argv[1:])
