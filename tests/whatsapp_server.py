"""`python main.py serve` in cloud mode against the fake Graph API, as Meta and a resident's phone see it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from .fakes.graph_api import FakeGraphAPI
from .test_serve import free_port, wait_until
from .webhook_corpus import OUR_PHONE_NUMBER_ID, signed_headers

ROOT = Path(__file__).resolve().parents[1]
APP_SECRET = "rahasia-aplikasi-meta"


def cloud_env(wa_api: FakeGraphAPI, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an office in cloud mode whose Graph API is the fake."""
    return {**os.environ, "PONDOK_DATA_DIR": str(data_dir), "PONDOK_SECRET_KEY": "x", "PONDOK_SYNC_MINUTES": "60",
            "PONDOK_SETTLE_MINUTES": "0", "PONDOK_QUIET_HOURS": "", "PONDOK_WA_PROVIDER": "cloud",
            "PONDOK_WA_TOKEN": wa_api.token, "PONDOK_WA_PHONE_NUMBER_ID": wa_api.phone_number_id,
            "PONDOK_WA_APP_SECRET": wa_api.app_secret, "PONDOK_WA_VERIFY_TOKEN": "kata-rahasia",
            "PONDOK_WA_API_URL": wa_api.base_url, "PONDOK_WA_TEMPLATE": "status_permohonan",
            "PONDOK_PUBLIC_URL": "https://layanan.desapondok.id", **extra}


def office_graph_api() -> FakeGraphAPI:
    """The fake Graph API for the corpus' business number, with the status template approved."""
    api = FakeGraphAPI(phone_number_id=OUR_PHONE_NUMBER_ID, app_secret=APP_SECRET)
    api.add_template("status_permohonan", "id", 5)
    return api


class Server:
    """One `serve` process on 127.0.0.1; stopped (or killed) by the test."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(env["PONDOK_DATA_DIR"]).parent / f"serve-{self.port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.session = requests.Session()
        wait_until(lambda: self.session.get(self.base + "/healthz", timeout=2).json()["sinkron_terakhir"], 30)

    def post(self, body: bytes, secret: str = APP_SECRET) -> int:
        """POST a body signed as Meta signs it; returns the HTTP status."""
        return self.session.post(self.base + "/webhook/whatsapp", data=body, headers=signed_headers(secret, body),
                                 timeout=10).status_code

    def stop(self) -> str:
        """End the server (SIGINT, as Ctrl+C) and return its log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def settle(wa_api: FakeGraphAPI, expected: int, quiet: float = 0.3, seconds: float = 15.0) -> int:
    """Wait until the fake holds at least `expected` messages and nothing more arrives for `quiet` seconds."""
    deadline = time.monotonic() + seconds
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(wa_api.sent)
        if count != last:
            last, since = count, time.monotonic()
        elif count >= expected and time.monotonic() - since >= quiet:
            return count
        time.sleep(0.05)
    return len(wa_api.sent)
