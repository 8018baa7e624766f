"""Benchmark: what a sync costs against Google Sheets (the fake Sheets API, over real HTTP).

Prints:
- Sheets requests per sync with 0, 1 and 100 status changes (budget: ≤ 2 reads, ≤ 3 writes);
- CPU time of one sync with no change over 1,000 and 10,000 rows, when Drive says nothing changed and
  when the safety net reads in full (budget: < 0.5 s), and the full read's peak memory (< 150 MB),
  measured in a child process so the fake server's own work is not counted;
- requests used by a burst of 1,000 submissions, beside the naive way (one gspread
  `append_row` per submission).

Run: python bench/sync_budget.py
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pondok_sheets.config import Settings  # noqa: E402
from pondok_sheets.flow.intake import submit  # noqa: E402
from pondok_sheets.flow.sync import sync  # noqa: E402
from pondok_sheets.office import Office  # noqa: E402
from pondok_sheets.register.model import Channel  # noqa: E402
from tests.fakes.registers import build_register  # noqa: E402
from tests.conftest import LETTER_ANSWERS  # noqa: E402  (the built-in services' own fields)
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402

VALID = {"nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812-3456-7801", "keterangan": "",
         "setuju": "ya", **LETTER_ANSWERS}


def settings_for(api: FakeSheetsAPI, folder: Path, sheet_id: str) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "credentials.json"
    key.write_text(json.dumps(api.service_account_info()))
    return Settings(sheet_id=sheet_id, google_credentials=str(key), sheets_api_url=api.base_url,
                    data_dir=folder / "data", settle_minutes=0, quiet_hours=None, secret_key="bench")


def quiet(office: Office) -> Office:
    office.messenger.stream = open("/dev/null", "w")
    return office


def requests_per_sync(api: FakeSheetsAPI, folder: Path) -> None:
    print("Sheets requests per sync (register of 1,000 rows):")
    for changes in (0, 1, 100):
        sheet_id = f"bench-changes-{changes:03d}-xxxxxxxxxxxx"
        build_register(api, sheet_id, 1_000)
        office = quiet(Office.open(settings_for(api, folder / sheet_id, sheet_id)))
        sync(office)
        for row in range(2, 2 + changes):
            api.set_cell(sheet_id, "Permohonan", row, 9, "Siap Diambil")
        api.reset_counts()
        report = sync(office)
        print(f"  {changes:>3} changes: {api.reads} reads, {api.writes} writes ({report.sent} messages sent)")


CHILD = """
import dataclasses, json, pathlib, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from pondok_sheets.config import Settings
from pondok_sheets.office import Office
from pondok_sheets.flow.sync import sync
fields = json.loads({settings!r})
settings = Settings(**{{**fields, "data_dir": pathlib.Path(fields["data_dir"])}})
office = Office.open(settings)
office.messenger.stream = open("/dev/null", "w")
sync(office)  # warm: token, imports, the first snapshot (it derives every row)
sync(office, office.now())


def median_cpu(office):
    times = []
    for _ in range(5):
        cpu = time.process_time()
        report = sync(office)
        times.append(time.process_time() - cpu)
        assert report.ok, report.error
    return sorted(times)[2]


idle = median_cpu(office)  # Drive says nothing changed: no read
reading = Office.open(dataclasses.replace(settings, full_read_minutes=0))  # the safety net's full read, every time
reading.messenger.stream = office.messenger.stream
full = median_cpu(reading)
tracemalloc.start()  # a separate run: tracing slows the code it watches
sync(reading)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report its parent's size.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"idle": idle, "full": full, "traced_peak": peak, "hwm_kb": hwm}}))
"""


def cpu_and_memory(api: FakeSheetsAPI, folder: Path) -> None:
    print("One sync with no change, measured in a child process (median of 5):")
    for rows in (1_000, 10_000):
        sheet_id = f"bench-size-{rows:05d}-xxxxxxxxxxxxxx"
        build_register(api, sheet_id, rows)
        settings = settings_for(api, folder / sheet_id, sheet_id)
        fields = {"sheet_id": sheet_id, "google_credentials": settings.google_credentials,
                  "sheets_api_url": api.base_url, "data_dir": str(settings.data_dir), "secret_key": "bench",
                  "settle_minutes": 0}
        code = CHILD.format(root=str(ROOT), settings=json.dumps(fields))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {rows:>6} rows: {figures['idle']:.3f} s CPU when Drive says unchanged; a full read "
              f"{figures['full']:.3f} s CPU, {figures['traced_peak'] / 1e6:.1f} MB peak allocated during it, "
              f"{figures['hwm_kb'] / 1024:.0f} MB peak RSS of the whole process")


def burst(api: FakeSheetsAPI, folder: Path) -> None:
    print("A burst of 1,000 submissions in 60 s:")
    sheet_id = "bench-burst-xxxxxxxxxxxxxxxxxxx"
    build_register(api, sheet_id, 0)
    office = quiet(Office.open(settings_for(api, folder / sheet_id, sheet_id)))
    sync(office)
    api.reset_counts()
    latencies = []
    for chunk in range(20):  # `serve` flushes a few seconds after submissions arrive: ~20 flushes a minute
        for _ in range(50):
            start = time.perf_counter()
            submit(office, "SKD", VALID, Channel.FORM)
            latencies.append((time.perf_counter() - start) * 1000)
        sync(office)
    latencies.sort()
    rows = len(api.values(sheet_id, "Permohonan")) - 1
    print(f"  Pondok Sheets: {api.writes} writes, {api.reads} reads, {rows} rows in the sheet; "
          f"intake p95 {latencies[949]:.1f} ms")

    import gspread

    from pondok_sheets.stores.google_api import GoogleSession, read_key
    from pondok_sheets.stores.sheets_client import BoundedSheetsClient

    naive_id = "bench-naive-xxxxxxxxxxxxxxxxxxx"
    build_register(api, naive_id, 0)
    settings = settings_for(api, folder / naive_id, naive_id)
    google = GoogleSession(read_key(settings.google_credentials), api_url=api.base_url)
    client = gspread.Client(auth=google.credentials)
    client.http_client = BoundedSheetsClient(google)
    api.reset_counts()
    worksheet = client.open_by_key(naive_id).worksheet("Permohonan")
    for i in range(1_000):
        worksheet.append_row([f"PDK-NAIVE{i:03d}", "2026-11-27 09:00", "Formulir", "SKD", "Siti"],
                             value_input_option="RAW")
    print(f"  naive append_row per submission: {api.writes} writes, {api.reads} reads "
          f"(Google allows 60 writes a minute: most would be refused with 429)")


def main() -> None:
    with FakeSheetsAPI() as api, tempfile.TemporaryDirectory() as folder:
        requests_per_sync(api, Path(folder))
        cpu_and_memory(api, Path(folder))
        burst(api, Path(folder))


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit
    main()
