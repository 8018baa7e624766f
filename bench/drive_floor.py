"""Benchmark: the floor process of issue 16, to subtract from the sync figures.

The floor is a fresh Python process that only imports gspread and google-auth, gets its
service-account token from the fake and asks Drive once (files.get with
fields=version,modifiedTime). It is the least an idle sync can cost. Issue 16's budgets
("process CPU above the floor") subtract its figures.

Prints the median of 5 runs of CPU seconds (user + system, resource.getrusage) and peak RSS
(ru_maxrss), each run too, and the fake's counters (1 token + 1 Drive request per run,
0 Sheets requests).

Run: python bench/drive_floor.py [--runs N]
Reuse: from bench.drive_floor import measure_floor; measure_floor(api, runs=5)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.sheets_api import FakeSheetsAPI

ROOT = Path(__file__).resolve().parents[1]
FLOOR_SHEET_ID = "bench-drive-floor-xxxxxxxxxxxxxxxx"
SCOPES = ["https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.metadata.readonly"]

# The child's whole program. It imports nothing from this project, so the floor does not
# grow when the project does.
CHILD = r"""
import json, resource, sys
import gspread  # noqa: F401  (the floor includes importing gspread, as the service does)
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials

key_path, drive_url, sheet_id, scopes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
creds = Credentials.from_service_account_file(key_path, scopes=scopes)
response = AuthorizedSession(creds).get(f"{drive_url}/files/{sheet_id}", params={"fields": "version,modifiedTime"}, timeout=10)
response.raise_for_status()
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would include the parent's size at fork.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_kb": hwm,
                  "version": response.json()["version"]}))
"""


def run_floor_once(key_path: Path, drive_url: str, sheet_id: str) -> dict[str, Any]:
    """Run one floor process and return its own CPU seconds and peak RSS (kB on Linux)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(key_path), drive_url, sheet_id, ",".join(SCOPES)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_floor(api: FakeSheetsAPI, runs: int = 5, sheet_id: str = FLOOR_SHEET_ID) -> dict[str, Any]:
    """Median CPU seconds and peak RSS (MB) of ``runs`` floor processes against a started fake."""
    try:
        api.drive_file(sheet_id, "id")
    except KeyError:
        api.create_spreadsheet(sheet_id, {"Permohonan": [["Tiket", "Status"]]})
    with tempfile.TemporaryDirectory() as folder:
        key_path = Path(folder) / "credentials.json"
        key_path.write_text(json.dumps(api.service_account_info()))
        samples = [run_floor_once(key_path, api.drive_base_url, sheet_id) for _ in range(runs)]
    return {
        "runs": samples,
        "cpu_s": median(s["cpu_s"] for s in samples),
        "peak_rss_mb": median(s["peak_rss_kb"] for s in samples) / 1024,
    }


def main(argv: list[str]) -> None:
    """Print the floor figures, measured against a fresh fake Google API."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes.sheets_api import FakeSheetsAPI

    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 5
    with FakeSheetsAPI() as api:
        api.create_spreadsheet(FLOOR_SHEET_ID, {"Permohonan": [["Tiket", "Status"]]})
        api.reset_counts()
        floor = measure_floor(api, runs)
        counts = (api.tokens_issued, api.drive_requests, api.reads, api.writes)
    print(f"Floor process (import gspread + google-auth, token, 1 Drive files.get), median of {runs}:")
    print(f"  CPU {floor['cpu_s']:.3f} s   peak RSS {floor['peak_rss_mb']:.1f} MB")
    for i, sample in enumerate(floor["runs"], 1):
        print(f"  run {i}: CPU {sample['cpu_s']:.3f} s, peak RSS {sample['peak_rss_kb'] / 1024:.1f} MB")
    print(f"  fake saw: {counts[0]} tokens, {counts[1]} Drive requests, {counts[2]} Sheets reads, {counts[3]} Sheets writes")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit
    main(sys.argv[1:])
