"""A cron `tick` with nothing due stays small: no web app, no Google, none of the heavy libraries."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("flask", "flask_limiter", "qrcode", "reportlab", "holidays", "gspread", "google.auth", "requests",
         "pondok_sheets.app", "pondok_sheets.messengers", "pondok_sheets.whatsapp", "pondok_sheets.stores",
         "pondok_sheets.flow.sync", "pondok_sheets.cli.commands", "pondok_sheets.cli.admin")
CHILD = """
import json, sys
from pondok_sheets.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def tick(data_dir: Path, *args: str) -> tuple[int, list[str], str]:
    env = {**os.environ, "PONDOK_DATA_DIR": str(data_dir), "PONDOK_SECRET_KEY": "tes", "PONDOK_STAFF_WA": ""}
    env.pop("PONDOK_SHEET_ID", None)
    done = subprocess.run([sys.executable, "-c", CHILD, "tick", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    return result["code"], result["modules"], "\n".join(lines[:-1])


def test_an_idle_tick_imports_neither_the_web_app_nor_google_nor_the_heavy_libraries(tmp_path):
    code, modules, output = tick(tmp_path)  # the first tick: every job is due (the app is built)
    assert code in (0, None) and "sinkron:" in output and "pondok_sheets.app" in modules
    code, modules, output = tick(tmp_path)  # two seconds later: nothing is due
    assert code in (0, None)
    assert output.splitlines() == ["google form: belum waktunya", "sinkron: belum waktunya",
                                   "ringkasan pagi: belum waktunya", "kebersihan log: belum waktunya"]
    loaded = [name for name in HEAVY if name in modules]
    assert loaded == []


def test_a_tick_with_a_job_due_runs_it(tmp_path):
    tick(tmp_path)
    code, modules, output = tick(tmp_path, "--at", "2030-01-01T09:00")
    assert code in (0, None) and "sinkron: 0 permohonan baru masuk register" in output
