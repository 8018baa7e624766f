"""The durable inbox under a crash: a burst of 300 chat messages, `kill -9` of `serve` while it handles
them (at the worst moment: a reply went out but its answer never came back), restart, one `sync`.
Every message is answered exactly once, and every filing is in the register exactly once."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

from .fakes.graph_api import FakeGraphAPI
from .staff import LocalStaff
from .test_serve import wait_until
from .webhook_corpus import OUR_PHONE_NUMBER_ID
from .whatsapp_server import ROOT, Server, cloud_env, office_graph_api

RESIDENTS = 50
ROUNDS = 6  # halo, the service, name, NIK, keterangan, YA: one reply each


def _conversation(i: int) -> list[str]:
    return ["halo", "1", f"Warga {chr(65 + i % 26)}{chr(65 + i // 26)}", f"32010145079000{i + 1:02d}", "-", "YA"]


def _burst(server: Server, rounds: range, base: int) -> list[str]:
    ids = []
    for r in rounds:
        for i in range(RESIDENTS):
            message_id = f"wamid.BURST{i:02d}R{r}"
            body = json.dumps(FakeGraphAPI.inbound_text(f"62813555510{i:02d}", _conversation(i)[r],
                                                        message_id=message_id, timestamp=base + r,
                                                        phone_number_id=OUR_PHONE_NUMBER_ID)).encode()
            assert server.post(body) == 200
            ids.append(message_id)
    return ids


def _replies_by_message(wa_api: FakeGraphAPI) -> Counter[str]:
    refs = (m.json.get("biz_opaque_callback_data", "") for m in wa_api.sent)
    return Counter(ref.split(":")[1] for ref in refs if ref.startswith("balasan:"))


def test_300_chat_messages_survive_kill_9_each_answered_once_and_filed_once(tmp_path):
    data = tmp_path / "data"
    with office_graph_api() as wa_api:
        env = cloud_env(wa_api, data)
        server = Server(env)
        base = int(time.time()) - 60
        ids = _burst(server, range(3), base)
        wait_until(lambda: len(wa_api.sent) >= 100, 60)
        wa_api.hang_next(1, seconds=120, after=True)  # Meta takes the next reply; its answer never comes back
        ids += _burst(server, range(3, ROUNDS), base)
        wait_until(lambda: any(r.status is None and r.message_id for r in list(wa_api.requests)), 60)
        server.kill()
        answered_before = len(wa_api.sent)
        assert answered_before < len(ids)  # the crash came in the middle of the work

        server = Server(env)
        try:
            # Meta reports every message it accepted (redelivering what the dead server missed).
            for sent in list(wa_api.sent):
                status = FakeGraphAPI.status_update(sent.message_id, "sent", sent.wa_id,
                                                    phone_number_id=OUR_PHONE_NUMBER_ID)
                status["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = \
                    sent.json.get("biz_opaque_callback_data", "")
                assert server.post(json.dumps(status).encode()) == 200
            synced = subprocess.run([sys.executable, "main.py", "sync"], cwd=ROOT, env=env, capture_output=True,
                                    text=True, timeout=120)
            assert synced.returncode == 0, synced.stdout + synced.stderr
            wait_until(lambda: len(_replies_by_message(wa_api)) == len(ids), 60)
            staff = LocalStaff(data / "register.sqlite3")
            rows = wait_until(lambda: (lambda r: r if len(r) >= RESIDENTS else None)(
                [row for row in staff.rows() if row["Saluran"] == "WhatsApp"]), 30)
            time.sleep(1)  # anything doubled would show up now
        finally:
            log = server.stop()

    replies = _replies_by_message(wa_api)
    assert set(replies) == set(ids) and set(replies.values()) == {1}  # every message answered exactly once
    tickets = [m.text.split("Nomor tiket: *")[1].split("*")[0] for m in wa_api.sent
               if m.text and "Nomor tiket: *" in m.text]
    assert len(tickets) == len(set(tickets)) == RESIDENTS
    rows = [row for row in staff.rows() if row["Saluran"] == "WhatsApp"]
    assert sorted(r["Tiket"] for r in rows) == sorted(tickets)  # no filing lost or doubled
    assert {r["Nama"] for r in rows} == {_conversation(i)[2] for i in range(RESIDENTS)}
    assert all(r["Notifikasi"].startswith("Baru · dikabari") for r in rows)
    assert not [m for m in wa_api.sent if m.type == "template"]  # no second "Baru" confirmation
    assert "Traceback" not in log
