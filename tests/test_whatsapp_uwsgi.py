"""PythonAnywhere's way: uWSGI (the pyuwsgi wheel), two worker processes, a master, no `--enable-threads`,
no cron tick. A resident's message is answered within seconds, by the worker that took the webhook."""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time

import pytest
import requests

from .fakes.graph_api import FakeGraphAPI
from .test_serve import free_port, wait_until
from .webhook_corpus import OUR_PHONE_NUMBER_ID, signed_headers
from .whatsapp_server import APP_SECRET, ROOT, cloud_env, office_graph_api

WSGI_FILE = """import os, sys
sys.path.insert(0, {root!r})
os.chdir({root!r})
import threading
from pondok_sheets import create_app
application = create_app()


def no_threads(thread):  # as PythonAnywhere's web workers: a background thread never runs
    raise RuntimeError("no threads in this web worker")


threading.Thread.start = no_threads
"""


@pytest.mark.skipif(shutil.which("uwsgi") is None, reason="pip install pyuwsgi")
def test_under_uwsgi_without_threads_a_chat_message_is_answered_within_seconds(tmp_path):
    wsgi = tmp_path / "pythonanywhere_wsgi.py"
    wsgi.write_text(WSGI_FILE.format(root=str(ROOT)))
    port = free_port()
    with office_graph_api() as wa_api:
        env = cloud_env(wa_api, tmp_path / "data")
        log = (tmp_path / "uwsgi.log").open("w")
        server = subprocess.Popen(["uwsgi", "--http", f"127.0.0.1:{port}", "--wsgi-file", str(wsgi),
                                   "--processes", "2", "--master", "--die-on-term"],
                                  cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: requests.get(base + "/healthz", timeout=20).status_code in (200, 503), 40)  # it answers
            for i, text in enumerate(["halo", "1"]):
                body = json.dumps(FakeGraphAPI.inbound_text("6281355550000", text, message_id=f"wamid.PA{i}",
                                                            phone_number_id=OUR_PHONE_NUMBER_ID)).encode()
                started = time.monotonic()
                response = requests.post(base + "/webhook/whatsapp", data=body, timeout=10,
                                         headers=signed_headers(APP_SECRET, body))
                assert response.status_code == 200 and time.monotonic() - started < 2  # Meta is answered at once
                wait_until(lambda n=i + 1: len(wa_api.sent) == n, 10)  # no tick, no cron: the worker answered
            assert "Balas dengan nomor layanan" in wa_api.sent[0].json["interactive"]["body"]["text"]
            assert "Surat Keterangan Domisili" in wa_api.sent[1].text
        finally:
            server.send_signal(signal.SIGTERM)  # --die-on-term: an exit, not uWSGI's binary reload
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    output = (tmp_path / "uwsgi.log").read_text()
    assert "Traceback" not in output and "no threads in this web worker" not in output
