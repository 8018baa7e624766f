"""`main:app` on a plain WSGI host, with no `serve` and no tick: waitress-serve, uWSGI as PythonAnywhere
runs it (the pyuwsgi wheel, the deploy WSGI file, two worker processes, threads that never run) and
`uwsgi --module main:app`. A resident's form submission gets its WhatsApp confirmation within seconds."""
from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import LETTER_ANSWERS
from .fakes.graph_api import FakeGraphAPI
from .test_serve import free_port, wait_until
from .whatsapp_server import ROOT, cloud_env, office_graph_api

needs_uwsgi = pytest.mark.skipif(shutil.which("uwsgi") is None, reason="pip install pyuwsgi")
RESIDENT, BUDI_WA = "6281234567801", "6281234567802"
# As PythonAnywhere's web workers (and uWSGI before 2.0.27 without --enable-threads): a thread is made,
# and never runs. A design that needed one would never send the confirmation.
NO_THREADS = """

import threading

threading.Thread.start = lambda thread: None  # the thread never runs
"""


SITI = {"nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812 3456 7801"}
BUDI = {"nama": "Budi Santoso", "nik": "3201011203850002", "wa": "0812 3456 7802"}


def submit_form(base: str, resident: dict[str, str] = SITI, follow: bool = False) -> tuple[str, float]:
    """A resident fills in the SKD form; returns the ticket and how long the answer took.

    Each request on a new connection: uWSGI's --http router closes every connection after its answer,
    and a client reusing it at once can race that close (a browser then retries; requests does not).
    `follow`: the POST and the receipt page it redirects to, as a browser loads them (keep-alive allowed).
    """
    cookies = requests.cookies.RequestsCookieJar()
    form = requests.get(base + "/ajukan/SKD", timeout=20)
    cookies.update(form.cookies)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    started = time.monotonic()
    response = requests.Session().post(base + "/ajukan/SKD", timeout=20, allow_redirects=follow, cookies=cookies,
                                       data={"csrf_token": token, **resident, "keterangan": "", "setuju": "ya",
                                             **LETTER_ANSWERS})
    took = time.monotonic() - started
    first = response.history[0] if follow else response
    assert first.status_code == 303 and (response.status_code == 200 or not follow), response.text[:500]
    ticket = first.headers["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1]
    return ticket, took


def confirmation(wa_api: FakeGraphAPI, ticket: str, seconds: float, to: str = RESIDENT) -> float:
    """Wait for the resident's confirmation naming `ticket`; returns when it arrived (time.time)."""
    message = wait_until(lambda: next(m for m in wa_api.sent if ticket in json.dumps(m.json)), seconds)
    assert message.wa_id == to
    return message.at


def stop(server: subprocess.Popen, log: Path) -> str:
    """End a server (SIGINT: uWSGI answers SIGTERM with a reload unless --die-on-term) and return its log."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return log.read_text(errors="replace")


def run_host(tmp_path: Path, command: list[str], wa_api: FakeGraphAPI, graph_hang: float = 0.0,
             then_a_browser: bool = False) -> str:
    """Start a host, submit a form, see the confirmation arrive with no tick; returns the host's log."""
    env = cloud_env(wa_api, tmp_path / "data", PONDOK_PUBLIC_URL="")  # plain http here: no Secure cookie
    log = tmp_path / "host.log"
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{command_port(command)}"
        wait_until(lambda: requests.get(base + "/healthz", timeout=20).status_code in (200, 503), 40)  # it answers (503 until a first sync)
        if graph_hang:
            wa_api.hang_next(1, seconds=graph_hang)  # WhatsApp is slow: the resident must not wait for it
        ticket, took = submit_form(base)
        answered = time.time()
        assert took < 2.0  # the answer does not wait for the register or WhatsApp
        arrived = confirmation(wa_api, ticket, 10 + graph_hang)  # no tick, no serve: the worker flushed it
        assert arrived - answered < 8 + graph_hang
        page = requests.get(f"{base}/tiket/{ticket}", timeout=10)
        assert page.status_code == 200 and ticket in page.text
        if then_a_browser:  # the POST and its receipt page on one session, WhatsApp slow again
            wa_api.hang_next(1, seconds=graph_hang)
            second, took = submit_form(base, BUDI, follow=True)
            assert took < 2.0  # the receipt page went to the other worker, not behind this one's flush
            confirmation(wa_api, second, 10 + graph_hang, BUDI_WA)
    finally:
        output = stop(server, log)
    assert "Traceback" not in output, output[-3000:]
    assert "3201014507900001" not in output  # no NIK in the operator's log
    return output


def command_port(command: list[str]) -> int:
    listen = next(a for a in command if "127.0.0.1:" in a)
    return int(listen.rsplit(":", 1)[1])


def test_under_waitress_serve_main_app_the_confirmation_goes_out_within_seconds(tmp_path):
    port = free_port()
    with office_graph_api() as wa_api:
        serve = [shutil.which("waitress-serve") or ""] if shutil.which("waitress-serve") \
            else [sys.executable, "-m", "waitress"]
        run_host(tmp_path, [*serve, f"--listen=127.0.0.1:{port}", "main:app"], wa_api,
                 graph_hang=4.0)


@needs_uwsgi
def test_under_uwsgi_as_pythonanywhere_runs_it_the_confirmation_goes_out_without_a_thread(tmp_path):
    deployed = (ROOT / "deploy" / "pythonanywhere_wsgi.py").read_text()
    assert '"/home/USERNAME/pondok-sheets"' in deployed
    wsgi = tmp_path / "pythonanywhere_wsgi.py"
    wsgi.write_text(deployed.replace('"/home/USERNAME/pondok-sheets"', repr(str(ROOT))) + NO_THREADS)
    port = free_port()
    with office_graph_api() as wa_api:
        output = run_host(tmp_path, ["uwsgi", "--http", f"127.0.0.1:{port}", "--wsgi-file", str(wsgi),
                                     "--processes", "2", "--master"], wa_api, graph_hang=4.0, then_a_browser=True)
    assert "callable not found" not in output


@needs_uwsgi
def test_uwsgi_module_main_app_finds_the_callable_and_confirms_a_submission(tmp_path):
    port = free_port()
    with office_graph_api() as wa_api:
        output = run_host(tmp_path, ["uwsgi", "--http", f"127.0.0.1:{port}", "--module", "main:app",
                                     "--pythonpath", str(ROOT), "--processes", "2", "--master"], wa_api)
    assert "callable not found" not in output and "no app loaded" not in output


def test_importing_main_or_asking_for_help_builds_nothing_even_with_a_wrong_setting(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "PONDOK_DATA_DIR": str(tmp_path / "data"), "PONDOK_TIMEZONE": "Mars/Olympus"}
    code = "import main; print(callable(main.app), main.app.__class__.__name__)"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert imported.returncode == 0 and imported.stdout.split() == ["True", "LazyWsgiApp"], imported.stderr
    helped = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, env=env)
    assert helped.returncode == 0 and "serve" in helped.stdout
    assert not (tmp_path / "data").exists()  # no state, no secret key, no register: nothing was built
    code = "import main; main.app.check_settings()"
    checked = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert checked.returncode != 0 and "PONDOK_TIMEZONE" in checked.stderr  # what PythonAnywhere's log shows
    assert not (tmp_path / "data").exists()
