"""A cron `tick` with nothing due stays small: no web app, no Google, none of the heavy libraries."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import VALID

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


SYNC_CHILD = """
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
from pondok_sheets.config import load_config
from pondok_sheets.office import Office
from pondok_sheets.flow.sync import sync
office = Office.open(load_config())
if sys.argv[1] == "file":
    from pondok_sheets.stores import prepare_register
    from pondok_sheets.flow.intake import submit
    prepare_register(office.store)
    from pondok_sheets.register.model import Channel
    submit(office, "SKD", json.loads(sys.argv[2]), Channel.FORM)
report = sync(office, datetime.fromisoformat("2026-11-27T09:00+07:00"))
print(json.dumps({"ok": report.ok, "error": report.error, "sent": report.sent, "modules": sorted(sys.modules)}))
"""
# A sync with nothing to send or draft needs none of these: the letter engine, the phone-number tables,
# the webhook handlers.
SYNC_HEAVY = ("jinja2", "docxtpl", "docx", "phonenumbers", "qrcode", "flask", "pondok_sheets.flow.inbox",
              "pondok_sheets.whatsapp.events")


def sync_in_child(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """One sync in a fresh process; `env` adds settings (the fake Google's, for a Google register)."""
    base = {**os.environ, "PONDOK_DATA_DIR": str(data_dir), "PONDOK_SECRET_KEY": "tes", "PONDOK_STAFF_WA": ""}
    base.pop("PONDOK_SHEET_ID", None)
    env = {**base, **(env or {})}
    done = subprocess.run([sys.executable, "-c", SYNC_CHILD, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_sync_with_nothing_to_send_loads_no_letter_engine_phone_tables_or_webhook_handlers(tmp_path):
    filed = sync_in_child(tmp_path, "file", json.dumps(VALID))  # a new request: its receipt goes out
    assert filed["ok"] and filed["sent"] == 1 and "phonenumbers" in filed["modules"]
    quiet = sync_in_child(tmp_path, "quiet")
    assert quiet["ok"] and quiet["sent"] == 0
    assert [name for name in SYNC_HEAVY if name in quiet["modules"]] == []


def test_a_sync_drive_calls_unchanged_loads_no_gspread_and_one_with_an_edit_does(sheets_api, tmp_path):
    from pondok_sheets.stores import open_store, prepare_register

    from .conftest import google_settings
    from .staff import GoogleStaff

    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    google = {"PONDOK_SHEET_ID": settings.sheet_id, "PONDOK_GOOGLE_CREDENTIALS": settings.google_credentials,
              "PONDOK_SHEETS_API_URL": settings.sheets_api_url, "PONDOK_SETTLE_MINUTES": "0"}
    first = sync_in_child(tmp_path, "file", json.dumps(VALID), env=google)  # reads in full, appends the request
    assert first["ok"] and first["sent"] == 1 and "gspread" in first["modules"]
    sheets_api.reset_counts()
    idle = sync_in_child(tmp_path, "quiet", env=google)  # the same minute: Drive's mark is the one kept
    assert idle["ok"] and (sheets_api.reads, sheets_api.writes, sheets_api.drive_requests) == (0, 0, 1)
    assert [name for name in ("gspread", "pondok_sheets.stores.sheets_client") if name in idle["modules"]] == []
    # The token the first process got is kept: no key parsed, no google-auth crypto, no token asked for.
    assert sheets_api.tokens_issued == 0
    assert [name for name in ("google.oauth2.service_account", "google.auth.transport.requests", "cryptography")
            if name in idle["modules"]] == []
    ticket = sheets_api.values(settings.sheet_id, "Permohonan")[1][0]
    GoogleStaff(sheets_api, settings.sheet_id).set(ticket, "Status", "Diproses")
    sheets_api.reset_counts()
    edited = sync_in_child(tmp_path, "quiet", env=google)  # Drive's mark moved: read, and the resident is told
    assert edited["ok"] and edited["sent"] == 1 and "gspread" in edited["modules"] and sheets_api.reads >= 1
    assert sheets_api.tokens_issued == 0
