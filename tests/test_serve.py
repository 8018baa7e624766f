"""`python main.py serve` as a village office runs it: a real server process, syncing on its own."""
from __future__ import annotations

import os
import signal
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from .conftest import LETTER_ANSWERS
from .staff import LocalStaff

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (requests.ConnectionError, StopIteration, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_answers_and_flushes_a_submission_within_seconds(tmp_path):
    port = free_port()
    env = {**os.environ, "PONDOK_DATA_DIR": str(tmp_path / "data"), "PONDOK_SECRET_KEY": "x",
           "PONDOK_SYNC_MINUTES": "60"}
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        # wait for the start-up sync, so only the submission's wake-up can flush what follows
        wait_until(lambda: requests.get(base + "/healthz", timeout=2).json()["sinkron_terakhir"])
        session = requests.Session()
        form = session.get(base + "/ajukan/SKD", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        response = session.post(base + "/ajukan/SKD", timeout=5, allow_redirects=False, data={
            "csrf_token": token, "nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812 3456 7801",
            "keterangan": "", "setuju": "ya", **LETTER_ANSWERS})
        assert response.status_code == 303
        ticket = response.headers["Location"].rsplit("/", 1)[1].split("?")[0]
        staff = LocalStaff(tmp_path / "data" / "register.sqlite3")
        # the sync interval is an hour: only the submission's wake-up can flush it this soon
        row = wait_until(lambda: next(r for r in staff.rows() if r["Tiket"] == ticket), seconds=20)
        assert row["Notifikasi"].startswith("Baru · dikabari")
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "3201014507900001" not in output and "3456" not in output  # no personal data in the log


def test_serve_on_a_busy_port_says_so_in_one_indonesian_line(tmp_path):
    env = {**os.environ, "PONDOK_DATA_DIR": str(tmp_path / "data"), "PONDOK_SECRET_KEY": "x"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        f"Port {port} di 127.0.0.1 sudah dipakai program lain (mungkin `serve` yang masih berjalan); "
        "hentikan program itu atau pakai --port lain.")
    assert "Traceback" not in run.stderr + run.stdout and "berjalan di" not in run.stdout  # never "running", then a crash


def test_serve_speaks_indonesian_to_staff_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = {**os.environ, "PONDOK_DATA_DIR": str(tmp_path / "data"), "PONDOK_SECRET_KEY": "x"}
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: requests.get(base + "/healthz", timeout=2).json()["sinkron_terakhir"])
        page = requests.get(base + "/", timeout=5)
        assert page.status_code == 200 and "Server" not in page.headers  # no server banner
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C at the console
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0
    assert f"Pondok Sheets berjalan di http://127.0.0.1:{port}" in output
    assert "Pondok Sheets berhenti (SIGINT): pesan yang sedang dikirim sudah diselesaikan" in output
    assert "Traceback" not in output and "Serving on" not in output and "KeyboardInterrupt" not in output
