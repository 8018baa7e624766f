"""Never twice across a stop (issue 13, item 4): a real `tick` (and `serve`) process in cloud mode, stopped by
SIGTERM or killed by `kill -9` at the worst moment (Meta has accepted the status message; its answer is still on
the way back), then restarted. Each resident gets exactly one message per status change: the intent was recorded
before the send, and is settled by WhatsApp's own report (its `biz_opaque_callback_data`) or by the wait."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pondok_sheets import create_app
from pondok_sheets.config import load_config
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel

from .conftest import VALID
from .fakes.graph_api import FakeGraphAPI
from .staff import LocalStaff
from .test_serve import free_port, wait_until
from .whatsapp_server import ROOT, cloud_env, office_graph_api

ROUNDS = 20
RESIDENT = "6281355550000"  # +62 813-5555-0000 as WhatsApp names it
READY = "Siap Diambil"


@pytest.fixture(scope="module")
def wa_api():
    with office_graph_api() as api:
        yield api


def _office(env: dict[str, str]):
    """The office of `env`, in this process: what a restarted service is."""
    app = create_app(load_config(env, env_file=None), {"TESTING": True})
    app.extensions["pondok"].messenger.client.sleep = lambda seconds: None
    return app


def _ready_to_announce(env: dict[str, str], residents: int = 1) -> list[str]:
    """Requests told of Baru; staff then set them Siap Diambil, so each is owed one message."""
    app = _office(env)
    office = app.extensions["pondok"]
    tickets = [submit(office, "SKD", {**VALID, "nama": f"Warga {i}", "wa": f"0813-5555-{i:04d}"}, Channel.FORM)
               for i in range(residents)]
    assert sync(office).sent == residents
    staff = LocalStaff(Path(env["PONDOK_DATA_DIR"]) / "register.sqlite3")
    for ticket in tickets:
        staff.set(ticket, "Status", READY)
    return tickets


def _ready_messages(wa_api: FakeGraphAPI, ticket: str) -> list:
    return [m for m in list(wa_api.sent) if m.json.get("biz_opaque_callback_data", "").startswith(
        f"pondok:{ticket}:{READY}:")]


def _held_after_acceptance(wa_api: FakeGraphAPI, since: int) -> bool:
    """Meta has taken a message (it has a wamid) and the answer has not gone back yet."""
    return any(r.message_id and r.status is None for r in list(wa_api.requests)[since:])


def _tick(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "main.py", "tick"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _report_as_meta(app, wa_api: FakeGraphAPI, message) -> None:
    """The `sent` status webhook Meta posts for `message`, carrying the callback data we gave it."""
    update = FakeGraphAPI.status_update(message.message_id, "sent", message.wa_id,
                                        phone_number_id=wa_api.phone_number_id)
    update["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = \
        message.json["biz_opaque_callback_data"]
    _post(app, wa_api, update)


def _post(app, wa_api: FakeGraphAPI, payload: dict) -> None:
    """POST a webhook signed as Meta signs it, and wait until the app has handled it."""
    body = json.dumps(payload).encode()
    answer = app.test_client().post("/webhook/whatsapp", data=body, buffered=True, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": wa_api.sign(body)})
    assert answer.status_code == 200
    app.extensions["pondok.inbox"].wait()


def _notified(env: dict[str, str], ticket: str) -> str:
    return LocalStaff(Path(env["PONDOK_DATA_DIR"]) / "register.sqlite3").row(ticket)["Notifikasi"]


def test_sigterm_while_meta_holds_its_answer_finishes_that_send_and_nothing_goes_twice_20_times(wa_api, tmp_path):
    for round_ in range(ROUNDS):
        env = cloud_env(wa_api, tmp_path / f"r{round_}" / "data")
        (ticket,) = _ready_to_announce(env)
        since = len(wa_api.requests)
        wa_api.hang_next(1, seconds=0.4, after=True)  # accepted; the answer comes back in 0.4 s
        tick = _tick(env)
        wait_until(lambda: _held_after_acceptance(wa_api, since), 20)
        tick.send_signal(signal.SIGTERM)
        output, _ = tick.communicate(timeout=30)
        assert tick.returncode == 0, output
        assert "Pondok Sheets berhenti (SIGTERM)" in output, output
        assert "kebersihan log: tidak dijalankan, layanan diminta berhenti" in output
        assert _notified(env, ticket).startswith(f"{READY} · dikabari")  # the send in hand was finished

        app = _office(env)
        report = sync(app.extensions["pondok"])  # the service runs again
        assert report.ok and report.sent == 0
        assert len(_ready_messages(wa_api, ticket)) == 1
        assert "Traceback" not in output


def test_kill_9_after_meta_accepted_waits_for_whatsapps_report_and_nothing_goes_twice_20_times(wa_api, tmp_path):
    for round_ in range(ROUNDS):
        env = cloud_env(wa_api, tmp_path / f"r{round_}" / "data")
        (ticket,) = _ready_to_announce(env)
        since = len(wa_api.requests)
        wa_api.hang_next(1, seconds=60, after=True)  # accepted; the answer never reaches the dead process
        tick = _tick(env)
        wait_until(lambda: _held_after_acceptance(wa_api, since), 20)
        tick.kill()
        tick.communicate(timeout=10)
        (message,) = _ready_messages(wa_api, ticket)  # it did go out
        assert _notified(env, ticket).startswith("Baru · dikabari")  # killed before the outcome was written

        app = _office(env)
        office = app.extensions["pondok"]
        held = sync(office)  # restarted: the intent has no outcome, so it waits for WhatsApp's word
        assert held.sent == 0 and held.waiting == 1
        assert len(_ready_messages(wa_api, ticket)) == 1
        _report_as_meta(app, wa_api, message)
        settled = sync(office)
        assert settled.sent == 1 and settled.ok  # counted as told: its Notifikasi written, nothing sent
        assert _notified(env, ticket).startswith(f"{READY} · dikabari")
        assert len(_ready_messages(wa_api, ticket)) == 1
        log_rows = LocalStaff(Path(env["PONDOK_DATA_DIR"]) / "register.sqlite3").rows("Log")
        assert [r["Hasil"] for r in log_rows if r["ID Pesan"] == message.message_id] == \
            ["terkirim (dipastikan dari laporan WhatsApp)"]


def test_a_send_killed_before_meta_took_it_goes_once_after_the_configured_wait(wa_api, tmp_path):
    env = cloud_env(wa_api, tmp_path / "data", PONDOK_UNCERTAIN_MINUTES="5")
    (ticket,) = _ready_to_announce(env)
    since = len(wa_api.requests)
    # Held before Meta handles it, until the fake stops (then answered 503, never handled): nothing goes out.
    wa_api.hang_next(1, seconds=3600)
    tick = _tick(env)
    wait_until(lambda: any(r.status is None for r in list(wa_api.requests)[since:]), 20)
    tick.kill()
    tick.communicate(timeout=10)
    assert _ready_messages(wa_api, ticket) == []

    office = _office(env).extensions["pondok"]
    now = datetime.now(office.settings.timezone)
    assert sync(office, now + timedelta(minutes=4)).sent == 0  # no report yet, and the wait has not passed
    assert _ready_messages(wa_api, ticket) == []
    report = sync(office, now + timedelta(minutes=6))
    assert report.sent == 1 and len(_ready_messages(wa_api, ticket)) == 1
    assert sync(office, now + timedelta(minutes=30)).sent == 0
    assert len(_ready_messages(wa_api, ticket)) == 1


def test_sigterm_to_serve_finishes_the_send_in_hand_takes_no_new_one_and_says_so(wa_api, tmp_path):
    env = cloud_env(wa_api, tmp_path / "data")
    tickets = _ready_to_announce(env, residents=3)
    since = len(wa_api.requests)
    wa_api.hang_next(1, seconds=0.5, after=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: _held_after_acceptance(wa_api, since), 30)  # serve's first sync, in its first send
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "Pondok Sheets berhenti (SIGTERM): pesan yang sedang dikirim sudah diselesaikan" in output
    assert "Traceback" not in output
    told = [t for t in tickets if _ready_messages(wa_api, t)]
    assert len(told) == 1  # the send in hand finished; the other two were not started
    assert _notified(env, told[0]).startswith(f"{READY} · dikabari")

    office = _office(env).extensions["pondok"]
    assert sync(office).sent == 2  # the rest go when the service runs again
    assert [len(_ready_messages(wa_api, t)) for t in tickets] == [1, 1, 1]


def test_kill_9_during_the_template_resend_after_131047_sends_no_second_template(wa_api, tmp_path):
    env = cloud_env(wa_api, tmp_path / "data")
    app = _office(env)
    office = app.extensions["pondok"]
    _post(app, wa_api, FakeGraphAPI.inbound_text(RESIDENT, "halo", phone_number_id=wa_api.phone_number_id))
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_for(RESIDENT, 131047, asynchronous=True)  # Meta takes the free text, then reports it failed
    sync(office)
    (text,) = [m for m in wa_api.sent if m.type == "text" and ticket in (m.text or "")]
    _post(app, wa_api, FakeGraphAPI.status_update(text.message_id, "failed", RESIDENT, error_code=131047,
                                                  phone_number_id=wa_api.phone_number_id))
    since = len(wa_api.requests)
    wa_api.hang_next(1, seconds=60, after=True)  # the template is accepted; its answer never comes back
    tick = _tick(env)
    wait_until(lambda: _held_after_acceptance(wa_api, since), 20)
    tick.kill()
    tick.communicate(timeout=10)

    office = _office(env).extensions["pondok"]
    sync(office)
    sync(office)
    templates = [m for m in wa_api.sent if m.type == "template" and ticket in m.parameters]
    assert len(templates) == 1  # at most once: a resend in doubt is never repeated
    wa_api.clear_fail_for(RESIDENT)


def test_the_wait_for_an_uncertain_send_is_a_setting():
    assert load_config({}, env_file=None).uncertain_minutes == 15
    assert load_config({"PONDOK_UNCERTAIN_MINUTES": "30"}, env_file=None).uncertain_minutes == 30
    with pytest.raises(ValueError, match="PONDOK_UNCERTAIN_MINUTES"):
        load_config({"PONDOK_UNCERTAIN_MINUTES": "sebentar"}, env_file=None)
