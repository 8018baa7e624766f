"""Google hangs: every run still ends by its deadline (PONDOK_RUN_SECONDS), `serve` listens at once, nothing
queued is lost, and the next call does the work once Google answers again. Real gspread over HTTP."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pondok_sheets import create_app
from pondok_sheets.config import Settings, load_config
from pondok_sheets.errors import ConfigError
from pondok_sheets.flow.intake import Channel, submit
from pondok_sheets.stores import open_store, prepare_register

from .conftest import VALID, google_settings
from .fakes.sheets_api import FakeSheetsAPI
from .staff import GoogleStaff
from .test_hosts_wsgi import stop, submit_form
from .test_serve import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 5  # seconds; the default is 25, a test need not wait that long
SLACK = 2.5  # Python, SQLite and the fake's own time on two shared cores
TOKEN = {"Authorization": "Bearer rahasia-cron"}


@pytest.fixture
def api():
    with FakeSheetsAPI() as fake:  # its own: held requests must not outlive this test's fake
        yield fake


def hang_forever(api: FakeSheetsAPI) -> None:
    """Every read and Drive check from now on sleeps an hour (writes and tokens still answer)."""
    api.hang_next(100_000, seconds=3600, kinds=("read", "drive"))


def tickets_in(api: FakeSheetsAPI, sheet_id: str) -> set[str]:
    return {row["Tiket"] for row in GoogleStaff(api, sheet_id).rows()}


def test_the_run_deadline_defaults_to_25_seconds_and_a_wrong_value_is_named():
    assert Settings().run_seconds == 25 and load_config({}, env_file=None).run_seconds == 25
    assert load_config({"PONDOK_RUN_SECONDS": "40"}, env_file=None).run_seconds == 40
    with pytest.raises(ConfigError, match="PONDOK_RUN_SECONDS"):
        load_config({"PONDOK_RUN_SECONDS": "setengah menit"}, env_file=None)


def test_tasks_tick_answers_within_its_deadline_while_google_hangs_and_the_next_call_does_the_work(api, tmp_path):
    settings = dataclasses.replace(google_settings(api, tmp_path), run_seconds=DEADLINE, task_token="rahasia-cron")
    prepare_register(open_store(settings))
    app = create_app(settings, {"TESTING": True})
    office = app.extensions["pondok"]
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    client = app.test_client()
    hang_forever(api)

    started = time.monotonic()
    response = client.post("/tasks/tick", headers=TOKEN)
    took = time.monotonic() - started
    assert took < DEADLINE + SLACK  # it was 88 s: 4 tries × 20 s plus back-off
    body = response.get_json()
    assert response.status_code == 503 and body["ok"] is False and body["batas_waktu_habis"] is True
    assert "sinkron" in body["menunggu_tick_berikutnya"] or "antre" in body["dijalankan"].get("sinkron", "")
    assert office.state.queue.has_pending()  # nothing lost: the submission still waits for the register

    started = time.monotonic()
    again = client.post("/tasks/tick", headers=TOKEN)  # Google still hangs: the same bounded answer
    assert time.monotonic() - started < DEADLINE + SLACK and again.status_code == 503

    api.stop_hanging()  # Google answers again
    done = client.post("/tasks/tick", headers=TOKEN)
    body = done.get_json()
    assert done.status_code == 200 and body["batas_waktu_habis"] is False
    assert "1 permohonan baru masuk register" in body["dijalankan"]["sinkron"]
    assert ticket in tickets_in(api, settings.sheet_id) and not office.state.queue.has_pending()


def test_the_cli_tick_ends_by_its_deadline_with_one_line_for_staff(api, tmp_path):
    settings = google_settings(api, tmp_path)
    prepare_register(open_store(settings))
    env = {**os.environ, "PONDOK_SHEET_ID": settings.sheet_id, "PONDOK_GOOGLE_CREDENTIALS": settings.google_credentials,
           "PONDOK_SHEETS_API_URL": api.base_url, "PONDOK_DATA_DIR": str(tmp_path / "data"),
           "PONDOK_SECRET_KEY": "x", "PONDOK_RUN_SECONDS": str(DEADLINE)}
    hang_forever(api)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "main.py", "tick"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    took = time.monotonic() - started
    assert took < DEADLINE + SLACK + 2  # plus the interpreter's start
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert f"Batas waktu {DEADLINE} detik (PONDOK_RUN_SECONDS) habis" in done.stdout
    assert "deadline" in done.stderr  # the operator's log line, in English


def test_serve_listens_at_once_while_google_hangs_and_takes_the_submission_in_once_google_answers(api, tmp_path):
    settings = google_settings(api, tmp_path)
    prepare_register(open_store(settings))
    port = free_port()
    env = {**os.environ, "PONDOK_SHEET_ID": settings.sheet_id, "PONDOK_GOOGLE_CREDENTIALS": settings.google_credentials,
           "PONDOK_SHEETS_API_URL": api.base_url, "PONDOK_DATA_DIR": str(tmp_path / "data"),
           "PONDOK_SECRET_KEY": "x", "PONDOK_RUN_SECONDS": str(DEADLINE), "PONDOK_SYNC_MINUTES": "60"}
    hang_forever(api)
    log = tmp_path / "serve.log"
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: requests.get(base + "/healthz", timeout=1).status_code in (200, 503), 10)  # it answers
        assert time.monotonic() - started < 3.0  # it was 88 s: the catalogue was read before listening
        ticket, took = submit_form(base)  # the built-in catalogue serves the form meanwhile
        assert took < 2.0
        time.sleep(DEADLINE)  # the start-up tick and the submission's flush meet the hang and give up
        assert ticket not in tickets_in(api, settings.sheet_id)
        assert requests.get(base + "/healthz", timeout=5).status_code == 503  # no sync has succeeded: not healthy
        api.stop_hanging()
        wait_until(lambda: ticket in tickets_in(api, settings.sheet_id), DEADLINE + 15)
    finally:
        output = stop(server, log)
    assert "Traceback" not in output and "deadline" in output
    assert "3201014507900001" not in output
