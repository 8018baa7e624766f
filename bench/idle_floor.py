"""Benchmark: issue 16's budgets, this code beside a baseline checkout, in one run, one fake.

Every figure comes from a fresh child process (its own getrusage: CPU user+system, peak RSS)
against one fake Google API, whose counters give the requests. The floor process
(bench/drive_floor.py: import gspread + google-auth, token, one Drive files.get) is measured
in the same run, and CPU figures are printed above it.

Prints: the floor; a growth table (1k / 10k / 50k rows of finished requests; the first sync, which
derives every row; then idle and K = 1, 10, 100 status changes) of requests, CPU
above the floor, peak RSS and the bytes of Sheets' answers, for the baseline and for this code (which
take turns sample by sample), with the median of their paired differences; the idle `tick` against
`python -c "import gspread"` (paired runs, median ratio); `/tiket` CPU per warm view and the 304.

Run: python bench/idle_floor.py [--baseline PATH-TO-OLD-CHECKOUT] [--sizes 1000,10000,50000] [--repeat 3]
(--repeat: fresh processes per sync figure, each paired with its floor; more of them steady the median)
Each checkout's bytecode is compiled first, as an installed service has it (the floor's gspread has its own):
a child that compiled every module of ours from source would add ~0.1-0.2 s that no deployment pays.
(e.g. `git worktree add /tmp/base 7b6cef3` for the code before issue 16).
"""
from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.drive_floor import FLOOR_SHEET_ID, measure_floor, run_floor_once  # noqa: E402
from pondok_sheets.register.model import PERMOHONAN  # noqa: E402
from tests.fakes.registers import build_register  # noqa: E402
from tests.conftest import VALID  # noqa: E402  (a valid answer to every field of the built-in services)
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402

SYNC_CHILD = r"""
import json, pathlib, resource, sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
sys.path.insert(0, sys.argv[1])
fields, minute = json.loads(sys.argv[2]), int(sys.argv[3])
from pondok_sheets.config import Settings
from pondok_sheets.office import Office
from pondok_sheets.flow.sync import sync
settings = Settings(**{**fields, "data_dir": pathlib.Path(fields["data_dir"])})
office = Office.open(settings)
office.messenger.stream = open("/dev/null", "w")
report = sync(office, datetime(2026, 11, 27, 9, tzinfo=ZoneInfo("Asia/Jakarta")) + timedelta(minutes=minute))
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report its parent's size.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "rss_mb": hwm / 1024, "ok": report.ok,
                  "sent": report.sent, "letters_waiting": getattr(report, "letters_waiting", None)}))
"""

TICKET_CHILD = r"""
import json, sys, time, tempfile, pathlib
sys.path.insert(0, sys.argv[1])
from pondok_sheets import create_app
from pondok_sheets.config import Settings
from pondok_sheets.flow.intake import submit
from pondok_sheets.register.model import Channel
folder = pathlib.Path(tempfile.mkdtemp())
app = create_app(Settings(data_dir=folder, secret_key="bench", public_url="https://desa.example"),
                 {"TESTING": True})
office = app.extensions["pondok"]
ticket = submit(office, "SKD", json.loads(sys.argv[2]), Channel.FORM)  # answers to every field of SKD
client = app.test_client()
view = lambda i: client.get(f"/tiket/{ticket}", environ_base={"REMOTE_ADDR": f"10.0.{i // 200}.{i % 200}"})
first = view(0)  # each view from its own phone, so the per-address limit is not what is measured
for i in range(1, 21):
    view(i)
start = time.process_time()
for i in range(21, 221):
    view(i)
cpu_ms = (time.process_time() - start) / 200 * 1000
etag = first.headers.get("ETag")
again = client.get(f"/tiket/{ticket}", headers={"If-None-Match": etag}, environ_base={"REMOTE_ADDR": "10.1.0.1"}) \
    if etag else first
print(json.dumps({"cpu_ms": cpu_ms, "bytes": len(first.data), "second_view": again.status_code}))
"""


def child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                          env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def fields_for(api: FakeSheetsAPI, folder: Path, sheet_id: str) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "credentials.json"
    key.write_text(json.dumps(api.service_account_info()))
    return {"sheet_id": sheet_id, "google_credentials": str(key), "sheets_api_url": api.base_url,
            "data_dir": str(folder / "data"), "secret_key": "bench", "settle_minutes": 0, "quiet_hours": None}


def growth(api: FakeSheetsAPI, roots: list[tuple[str, Path]], folder: Path, rows: int,
           repeat: int = 3) -> tuple[dict[str, list[str]], list[float]]:
    """One register of `rows` per code (finished requests, as most of an office's are): the first sync, with
    no local state, which derives every row; then idle and K changes, each a fresh process, `repeat` times
    each. Each sync process is paired with a floor process run
    right before it, and the figure is the median of the differences. With a baseline the two codes take
    turns sample by sample (who goes first alternates), each on its own copy of the register, so a machine
    that speeds up or slows down during the run moves both alike; the second list is, per column, the
    median of the paired differences (this code minus the baseline)."""
    sheets: dict[str, tuple[Path, str, dict]] = {}
    for label, root in roots:
        sheet_id = f"bench-{label.replace(' ', '')}-{rows:06d}-xxxxxxxxxxxx"
        build_register(api, sheet_id, rows)
        fields = fields_for(api, folder / sheet_id, sheet_id)
        sheets[label] = (root, sheet_id, fields)
    key = Path(sheets[roots[0][0]][2]["google_credentials"])
    cells: dict[str, list[str]] = {label: [] for label, _ in roots}
    paired: list[float] = []
    minute, row = 0, 2
    for column, changes in enumerate((1, 0, 1, 10, 100)):  # first: the first sync (all rows derived)
        samples: dict[str, list[tuple]] = {label: [] for label, _ in roots}
        for turn in range(1 if column == 0 else repeat):
            for label, _ in roots if turn % 2 == 0 else roots[::-1]:
                root, sheet_id, fields = sheets[label]
                for r in range(row, row + changes):
                    api.set_cell(sheet_id, "Permohonan", r, 9, "Siap Diambil")
                floor = run_floor_once(key, api.drive_base_url, FLOOR_SHEET_ID)["cpu_s"]
                api.reset_counts()
                figures = child(SYNC_CHILD, str(root), json.dumps(fields), str(minute))
                down = sum(r.bytes_out for r in api.requests if r.kind == "read") / 1e6
                samples[label].append((figures["cpu"] - floor, figures["rss_mb"], api.reads, api.writes,
                                       api.drive_requests, down))
            row += changes
            minute += 2
        for label, taken in samples.items():
            _, _, reads, writes, drive, down = taken[-1]
            cells[label].append(f"{reads}r {writes}w {drive}d +{median(s[0] for s in taken):.2f}s "
                                f"{max(s[1] for s in taken):.0f}MB {down:.1f}MBdown")
        if len(roots) == 2:
            (_, before), (_, now) = samples.items()
            paired.append(median(n[0] - b[0] for b, n in zip(before, now)))
    return cells, paired


def backlog(api: FakeSheetsAPI, root: Path, folder: Path, rows: int, label: str) -> str:
    """A register whose `rows` all reach the drafting status at once (Diproses, told): the first sync, as
    drafting is bounded per sync or not."""
    sheet_id = f"bench-backlog-{label}-{rows:06d}-xxxxxxxxxx"
    build_register(api, sheet_id, rows, status="Diproses")
    fields = fields_for(api, folder / sheet_id, sheet_id)
    api.reset_counts()
    start = time.perf_counter()
    figures = child(SYNC_CHILD, str(root), json.dumps(fields), "0")
    wall = time.perf_counter() - start
    number = PERMOHONAN.headers.index("Nomor Surat")
    drafted = sum(1 for row in api.values(sheet_id, "Permohonan")[1:] if len(row) > number and row[number])
    return (f"{api.reads}r {api.writes}w, {drafted} letters drafted, {figures['letters_waiting']} left to the "
            f"next syncs, CPU {figures['cpu']:.2f} s, wall {wall:.2f} s, peak RSS {figures['rss_mb']:.0f} MB")


def tick_ratio(root: Path, folder: Path, pairs: int = 7) -> tuple[float, float, float]:
    """Median ratio of an idle `python main.py tick` to `python -c "import gspread"`, paired runs."""
    env = {**os.environ, "PONDOK_DATA_DIR": str(folder), "PONDOK_SECRET_KEY": "bench"}
    env.pop("PONDOK_SHEET_ID", None)
    run = lambda argv: subprocess.run(argv, cwd=root, env=env, capture_output=True, timeout=120)  # noqa: E731
    run([sys.executable, "main.py", "tick"])  # every job due once: afterwards nothing is due
    ticks, imports = [], []
    for _ in range(pairs):
        start = time.perf_counter()
        run([sys.executable, "main.py", "tick"])
        ticks.append(time.perf_counter() - start)
        start = time.perf_counter()
        run([sys.executable, "-c", "import gspread"])
        imports.append(time.perf_counter() - start)
    return median(t / i for t, i in zip(ticks, imports)), median(ticks), median(imports)


def main(argv: list[str]) -> None:
    """Print every figure of issue 16 for the baseline (if given) and this code."""
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return
    baseline = Path(argv[argv.index("--baseline") + 1]) if "--baseline" in argv else None
    sizes = [int(s) for s in argv[argv.index("--sizes") + 1].split(",")] if "--sizes" in argv else [1_000, 10_000,
                                                                                                      50_000]
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    roots = ([("baseline", baseline)] if baseline else []) + [("this code", ROOT)]
    for _, root in roots:  # as an installed service runs: with its bytecode cached, like gspread's in the floor
        compileall.compile_dir(root / "pondok_sheets", quiet=1)  # written even under PYTHONDONTWRITEBYTECODE
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average), {os.cpu_count()} cores")
    with FakeSheetsAPI() as api, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor = measure_floor(api, runs=7)
        print(f"floor process: CPU {floor['cpu_s']:.3f} s, peak RSS {floor['peak_rss_mb']:.0f} MB (median of 7)")
        print(f"Every sync figure: the median of {repeat} fresh processes, each minus a floor process run right before "
              "it (the 'all rows' one: a single pair).")
        print("\nGrowth: Sheets reads (r), writes (w), Drive requests (d), process CPU above the floor, peak RSS")
        print("(MBdown: bytes of the Sheets answers; 'all rows': the first sync, with no local state, which "
              "derives every row; K: rows set to Siap Diambil, each drafted a letter and told)")
        columns = ("all rows", "idle", "K=1", "K=10", "K=100")
        print(f"{'code':<10} {'rows':>6} | " + " | ".join(f"{c:<37}" for c in columns))
        for rows in sizes:
            cells, paired = growth(api, roots, folder, rows, repeat)
            for label, _ in roots:
                print(f"{label:<10} {rows:>6} | " + " | ".join(f"{c:<37}" for c in cells[label]))
            if paired:
                print(f"{'paired':<10} {rows:>6} | " + " | ".join(f"{f'this code - baseline {d:+.2f}s':<37}"
                                                             for d in paired))
        print(f"\nAll {max(sizes):,} rows reaching the drafting status at once (Diproses), the first sync:")
        for label, root in roots:
            print(f"  {label:<10} " + backlog(api, root, folder, max(sizes), label.replace(" ", "")))
        again = measure_floor(api, runs=7)  # how far the machine drifted while the table was measured
        print(f"floor process again, after the table: CPU {again['cpu_s']:.3f} s (median of 7)")
        print("\nIdle tick (cold start) / python -c 'import gspread', paired runs, median of 7:")
        for label, root in roots:
            ratio, tick, imports = tick_ratio(root, folder / f"tick-{label.replace(' ', '')}")
            print(f"  {label:<10} {ratio:.2f}x  (tick {tick:.2f} s, import gspread {imports:.2f} s)")
        print("\n/tiket, warm, median over 200 views in one process:")
        for label, root in roots:
            figures = child(TICKET_CHILD, str(root), json.dumps(VALID))
            print(f"  {label:<10} {figures['cpu_ms']:.1f} ms CPU per view, {figures['bytes']} bytes, "
                  f"second view from the same phone: {figures['second_view']}")


if __name__ == "__main__":
    main(sys.argv[1:])
