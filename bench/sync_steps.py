"""Benchmark: where a sync with K changes spends its CPU, step by step (issue 16).

A register of N finished requests on the fake Sheets API gets its first sync and an idle one; then,
R + 1 times, K rows are set to Siap Diambil (each drafts a letter and tells its resident) and a
fresh sync process runs, right after a floor process (bench/drive_floor.py). The first of those
syncs checks the letter template (python-docx, once per template) and is left out, as in an
office's day. Each sync process times its own steps with time.process_time(): our imports, gspread's,
the Drive check, the register read (of it, the streamed parse), the comparison with the kept
fingerprints, the other steps of the cycle, and its whole CPU. Prints the median of each.

Run: python bench/sync_steps.py [--rows 50000] [--changes 10] [--repeat 5]
"""
from __future__ import annotations

import compileall
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.drive_floor import FLOOR_SHEET_ID, measure_floor, run_floor_once  # noqa: E402
from bench.idle_floor import fields_for  # noqa: E402
from tests.fakes.registers import build_register  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402

CHILD = r"""
import json, pathlib, resource, sys, time
started = time.process_time()
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
sys.path.insert(0, sys.argv[1])
fields, minute = json.loads(sys.argv[2]), int(sys.argv[3])
from pondok_sheets.config import Settings
from pondok_sheets.office import Office
from pondok_sheets.flow import change_check, reading, sync
figures = {"our imports": time.process_time() - started}
start = time.process_time()
from pondok_sheets.stores import google, sheets_client  # gspread: imported by the first Sheets call anyway
figures["gspread import"] = time.process_time() - start

def timed(owner, name, label):
    step = getattr(owner, name)
    def run(*args, **kwargs):
        start = time.process_time()
        try:
            return step(*args, **kwargs)
        finally:
            figures[label] = figures.get(label, 0.0) + time.process_time() - start
    setattr(owner, name, run)

for owner, name, label in [
        (change_check.ChangeCheck, "must_read", "Drive check"), (sync, "read_register", "read, all of it"),
        (sheets_client.BoundedSheetsClient, "values_batch_get", "  the streamed parses (read + key re-read)"),
        (reading, "_compare_rows", "  comparing with the kept fingerprints"),
        (sync.SyncCycle, "take_in", "take in (letters drafted)"), (sync.SyncCycle, "announce", "announce"),
        (sync.SyncCycle, "save_snapshot", "save snapshot"), (sync.SyncCycle, "write_back", "write back (key re-read)"),
        (change_check.ChangeCheck, "finish", "Drive mark kept")]:
    timed(owner, name, label)
settings = Settings(**{**fields, "data_dir": pathlib.Path(fields["data_dir"])})
start = time.process_time()
office = Office.open(settings)
office.messenger.stream = open("/dev/null", "w")
figures["open office"] = time.process_time() - start
start = time.process_time()
report = sync.sync(office, datetime(2026, 11, 27, 9, tzinfo=ZoneInfo("Asia/Jakarta")) + timedelta(minutes=minute))
figures["sync, all of it"] = time.process_time() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
figures["process"] = usage.ru_utime + usage.ru_stime
print(json.dumps({"figures": figures, "sent": report.sent, "ok": report.ok}))
"""


def option(argv: list[str], name: str, default: int) -> int:
    return int(argv[argv.index(name) + 1]) if name in argv else default


def main(argv: list[str]) -> None:
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return
    rows, changes, repeat = option(argv, "--rows", 50_000), option(argv, "--changes", 10), option(argv, "--repeat", 5)
    compileall.compile_dir(ROOT / "pondok_sheets", quiet=1)  # as an installed service runs: bytecode cached
    with FakeSheetsAPI() as api, tempfile.TemporaryDirectory() as tmp:
        sheet_id = f"bench-steps-{rows:06d}-xxxxxxxxxxxxxx"
        build_register(api, sheet_id, rows)
        measure_floor(api, runs=1)  # creates the floor's spreadsheet
        fields = fields_for(api, Path(tmp) / sheet_id, sheet_id)
        key = Path(fields["google_credentials"])

        def child(minute: int) -> dict:
            done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), json.dumps(fields), str(minute)],
                                  capture_output=True, text=True, timeout=600, check=True)
            return json.loads(done.stdout.strip().splitlines()[-1])

        child(0), child(2)  # the first sync (derives every row), then an idle one
        samples, row = [], 2
        for turn in range(repeat + 1):
            for r in range(row, row + changes):
                api.set_cell(sheet_id, "Permohonan", r, 9, "Siap Diambil")
            row += changes
            floor = run_floor_once(key, api.drive_base_url, FLOOR_SHEET_ID)["cpu_s"]
            answer = child(4 + 2 * turn)
            assert answer["ok"] and answer["sent"] == changes, answer
            if turn:  # the first checked the letter template
                samples.append({**answer["figures"], "floor process": floor,
                                "above the floor": answer["figures"]["process"] - floor})
    print(f"{rows:,} rows, {changes} changes: median of {repeat} sync processes, CPU (process_time)")
    for label in samples[0]:
        print(f"  {label:<44} {median(s[label] for s in samples) * 1000:7.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
