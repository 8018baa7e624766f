"""Benchmark: one warm `/tiket/<ticket>` view, CPU per view and where it goes.

One process, the real Flask app (test client), the embedded default register with one
ticket; 20 views to warm up, then the median CPU (process time) of batches of 20 views,
each view from its own address so the per-address limit is not what is measured. Then a
cProfile of 200 more warm views (top 15 by cumulative time), and the same figures for a
view with `Accept-Encoding: gzip`.

Run: python bench/ticket_view.py [--root PATH-TO-CHECKOUT] [--batches 10] [--no-profile]
(`--root` measures another checkout, e.g. a worktree of main, in a fresh process;
TICKET_VIEW_TOP=40 and TICKET_VIEW_SORT=tottime change the profile's length and order.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = int(os.environ.get("TICKET_VIEW_TOP", "15"))
sys.path.insert(0, str(ROOT))

from tests.conftest import VALID  # noqa: E402  (a valid answer to every field of the built-in services)

CHILD = r"""
import cProfile, io, json, os, pathlib, pstats, sys, tempfile, time
from statistics import median
sys.path.insert(0, sys.argv[1])
batches, profile, answers = int(sys.argv[2]), sys.argv[3] == "1", json.loads(sys.argv[4])
from pondok_sheets import create_app
from pondok_sheets.config import Settings
from pondok_sheets.flow.intake import submit
from pondok_sheets.register.model import Channel
folder = pathlib.Path(tempfile.mkdtemp())
app = create_app(Settings(data_dir=folder, secret_key="bench", public_url="https://desa.example"),
                 {"TESTING": True})
office = app.extensions["pondok"]
ticket = submit(office, "SKD", answers, Channel.FORM)
client = app.test_client()
n = [0]
def view(**headers):
    n[0] += 1
    return client.get(f"/tiket/{ticket}", headers=headers,
                      environ_base={"REMOTE_ADDR": f"10.{n[0] // 40000}.{n[0] // 200 % 200}.{n[0] % 200}"})
def per_view(**headers):
    samples = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(20):
            view(**headers)
        samples.append((time.process_time() - start) / 20 * 1000)
    return median(samples)
first = view()
for _ in range(20):
    view(); view(**{"Accept-Encoding": "gzip"})
out = {"identity_ms": per_view(), "gzip_ms": per_view(**{"Accept-Encoding": "gzip"}),
       "bytes": len(first.data)}
zipped = view(**{"Accept-Encoding": "gzip"})
out["gzip_bytes"] = len(zipped.data) if zipped.headers.get("Content-Encoding") == "gzip" else None
etag = first.headers.get("ETag")
out["second_view"] = view(**{"If-None-Match": etag}).status_code if etag else first.status_code
if profile:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(200):
        view()
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats(os.environ.get("TICKET_VIEW_SORT", "cumulative")).print_stats(int(sys.argv[5]))
    out["profile"] = text.getvalue()
print(json.dumps(out))
"""


def measure(root: Path, batches: int, profile: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(root), str(batches), "1" if profile else "0",
                           json.dumps(VALID), str(TOP)],
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv else ROOT
    batches = int(argv[argv.index("--batches") + 1]) if "--batches" in argv else 10
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average), {os.cpu_count()} cores; code: {root}")
    figures = measure(root, batches, "--no-profile" not in argv)
    gzip = f"{figures['gzip_bytes']} bytes gzip" if figures["gzip_bytes"] else "no gzip offered"
    print(f"/tiket warm view: {figures['identity_ms']:.2f} ms CPU (median of {batches} batches of 20), "
          f"{figures['bytes']} bytes; with Accept-Encoding: gzip {figures['gzip_ms']:.2f} ms, {gzip}; "
          f"second view from the same phone: {figures['second_view']}")
    if figures.get("profile"):
        print("\ncProfile, 200 warm views, top 15 by cumulative time:")
        print(figures["profile"])


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        raise SystemExit
    main(sys.argv[1:])
