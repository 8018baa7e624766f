"""Real WhatsApp traffic through the app: kinds mid-conversation, failed deliveries, usernames, other numbers,
foreign senders, account and template events, the digest template, and signed bodies of any shape."""
from __future__ import annotations

import copy
import dataclasses
import json
import logging

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pondok_sheets import create_app
from pondok_sheets.cli import cli
from pondok_sheets.flow.dispatch import UNREADABLE_REPLY, VOICE_REPLY
from pondok_sheets.flow.inbox import process_inbox
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.jobs import digest_job
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel
from pondok_sheets.register.validation import mask_phone, parse_phone

from . import webhook_corpus as corpus
from .conftest import VALID, at
from .fakes.graph_api import FakeGraphAPI

RESIDENT = "6281355550000"
WULAN = "ID.1502576394655843"
AGUS = "6281234567804"  # the sender of the corpus's message_unknown_type
DEWI_NEW = "6285712345605"  # where message_system_changed_number_new_wa_id says Dewi (…7805) moved


@pytest.fixture
def wa_api():
    with FakeGraphAPI() as api:
        api.add_template("status_permohonan", "id", 5)
        api.add_template("ringkasan_pagi", "id", 5)
        yield api
        assert api.errors == []


@pytest.fixture
def cloud(settings, wa_api, staff, clock):
    app = create_app(dataclasses.replace(
        settings, wa_provider="cloud", wa_token=wa_api.token, wa_phone_number_id=wa_api.phone_number_id,
        wa_app_secret=wa_api.app_secret, wa_verify_token="kata-rahasia", wa_api_url=wa_api.base_url,
        wa_template="status_permohonan", wa_digest_template="ringkasan_pagi", wa_business_id=wa_api.waba_id,
        staff_wa=(parse_phone("0812-9999-0001"),)), {"TESTING": True}, clock=clock)
    app.extensions["pondok"].messenger.client.sleep = lambda seconds: None
    # These chats file SKD with name and NIK only: its letter fields (issue 14) are switched off here.
    from pondok_sheets.flow.catalogue import refresh_catalog

    staff.set_where("Layanan", "Kode", "SKD", "Isian", "-")
    refresh_catalog(app.extensions["pondok"])
    return app


def post(app, wa_api, payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = app.test_client().post("/webhook/whatsapp", data=body, buffered=True, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": wa_api.sign(body)})
    app.extensions["pondok.inbox"].wait()
    return response


def message(kind: str, content: dict | None = None, sender: str = RESIDENT, message_id: str | None = None, **extra):
    """An inbound message of any type, shaped as Meta sends it (`type` names the object holding the content)."""
    payload = FakeGraphAPI.inbound_text(sender, "", message_id=message_id)
    item = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del item["text"]
    item["type"] = kind
    if content is not None:
        item[kind] = content
    item.update(extra)
    return payload


def ours(wa_api, name: str):
    """A corpus body as Meta would send it to this office: addressed to the fake Graph API's business number."""
    body = corpus.load(name)
    for entry in body["entry"]:
        for change in entry["changes"]:
            metadata = change["value"].get("metadata")
            if metadata:
                metadata["phone_number_id"] = wa_api.phone_number_id
    return body


def text(body: str, message_id: str | None = None, sender: str = RESIDENT):
    return FakeGraphAPI.inbound_text(sender, body, message_id=message_id)


def replies_to(wa_api, who=RESIDENT) -> list[str]:
    return [m.text or m.json.get("interactive", {}).get("body", {}).get("text", "") for m in wa_api.sent
            if m.wa_id == who]


# -- the mid-conversation test ----------------------------------------------------------------

def test_reactions_voice_edits_deletions_and_notices_mid_conversation_keep_the_steps(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    post(cloud, wa_api, text("halo"))
    menu = wa_api.sent[-1]
    post(cloud, wa_api, FakeGraphAPI.list_reply(RESIDENT, "layanan:SKD", "Domisili", menu.message_id))
    post(cloud, wa_api, message("reaction", {"message_id": menu.message_id, "emoji": "\U0001F44D"}))
    post(cloud, wa_api, text("Siti Aminh", message_id="wamid.NAMA"))  # a typo, corrected by an edit below
    post(cloud, wa_api, message("audio", {"id": "1", "mime_type": "audio/ogg; codecs=opus", "voice": True}))
    post(cloud, wa_api, message("edit", {"original_message_id": "wamid.NAMA",
                                         "message": {"type": "text", "text": {"body": "Siti Aminah"}}}))
    post(cloud, wa_api, message("revoke", {"original_message_id": "wamid.NAMA"}))
    post(cloud, wa_api, message("system", {"body": "Nomor keamanan berubah", "type": "customer_identity_changed"},
                                identity={"acknowledged": True, "created_timestamp": 1796170000, "hash": "x"}))
    post(cloud, wa_api, text("3201014507900001"))
    post(cloud, wa_api, text("-"))
    summary = wa_api.sent[-1]
    post(cloud, wa_api, FakeGraphAPI.button_reply(RESIDENT, "ya", "YA", summary.message_id))

    said = replies_to(wa_api)
    assert not [r for r in said if "wajib diisi" in r or "harus" in r]  # no wrong re-ask of any step
    assert said.count(VOICE_REPLY) == 1
    assert "Nama: Siti Aminah" in said[-2] and "NIK: 320101******0001" in said[-2]
    assert said[-1].startswith("Terima kasih, permohonan Anda sudah kami terima.")
    assert len(said) == 8  # menu, service, NIK question (name), voice, NIK question (edit), keterangan, summary, ticket
    ticket = said[-1].split("Nomor tiket: *")[1].split("*")[0]
    sync(office, at("2026-11-27 09:00"))
    row = staff.row(ticket)
    assert (row["Nama"], row["NIK"].lstrip("'")) == ("Siti Aminah", "3201014507900001")
    assert row["Notifikasi"].startswith("Baru · dikabari")
    assert len(replies_to(wa_api)) == 8  # no second "Baru" confirmation


# -- failed after accept ----------------------------------------------------------------------

def test_a_delivery_failed_after_meta_accepted_it_reaches_notifikasi_and_no_reminder_runs_off_it(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    wa_api.fail_for(RESIDENT, 131026, asynchronous=True)  # Meta accepts, then reports it undeliverable
    sync(office, at("2026-11-27 10:00"))
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-27 10:00"
    ready = wa_api.sent[-1]
    post(cloud, wa_api, FakeGraphAPI.status_update(ready.message_id, "failed", RESIDENT, error_code=131026))
    sync(office, at("2026-11-27 10:05"))
    assert staff.row(ticket)["Notifikasi"] == ("Siap Diambil · tidak terkirim: nomor tidak terdaftar di WhatsApp "
                                               "atau tidak bisa menerima pesan")
    hasil = {r["ID Pesan"]: r["Hasil"] for r in staff.rows("Log")}
    assert hasil[ready.message_id].startswith("gagal: 131026")
    sent = len(wa_api.sent)
    sync(office, at("2026-12-09 10:00"))  # 8 working days later: no pickup reminder off a message never received
    assert len(wa_api.sent) == sent
    staff.set(ticket, "WhatsApp", "0813-5555-0001")  # staff fix the number
    sync(office, at("2026-12-09 10:05"))
    sync(office, at("2026-12-09 10:10"))
    again = wa_api.sent[sent:]
    assert [m.wa_id for m in again] == ["6281355550001"] and again[0].parameters[3] == "Siap Diambil"
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-12-09 10:05"


def test_a_delivery_failed_for_a_passing_reason_is_tried_again_later_and_only_a_few_times(cloud, wa_api, staff,
                                                                                          clock):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Diproses")  # a row no pickup reminder keeps in the local copy
    sync(office, at("2026-11-27 10:00"))

    def fails_for_now(moment: str) -> None:  # Meta accepted it, then: "something went wrong", try later
        clock.moment = at(moment)
        post(cloud, wa_api, FakeGraphAPI.status_update(wa_api.sent[-1].message_id, "failed", RESIDENT,
                                                       error_code=131000))

    fails_for_now("2026-11-27 10:02")
    sync(office, at("2026-11-27 10:05"))
    assert staff.row(ticket)["Notifikasi"] == ("Diproses · tidak terkirim: gagal dikirim WhatsApp (131000) "
                                               "(dicoba lagi pukul 10:32)")
    sent = len(wa_api.sent)
    for moment in ("10:10", "10:20", "10:26", "10:30"):  # the row settles; the last full read is at 10:26
        sync(office, at(f"2026-11-27 {moment}"))
    assert len(wa_api.sent) == sent  # not before its time
    sync(office, at("2026-11-27 10:33"))  # nothing changed in the sheet: the retry itself makes it read the row
    assert [m.wa_id for m in wa_api.sent[sent:]] == ["6281355550000"]  # the same number, once
    assert staff.row(ticket)["Notifikasi"] == "Diproses · dikabari 2026-11-27 10:33"
    sync(office, at("2026-11-27 11:30"))
    assert len(wa_api.sent) == sent + 1

    fails_for_now("2026-11-27 11:31")  # and again: 60 minutes this time
    sync(office, at("2026-11-27 11:35"))
    assert staff.row(ticket)["Notifikasi"].endswith("(dicoba lagi pukul 12:31)")
    sync(office, at("2026-11-27 12:32"))
    fails_for_now("2026-11-27 12:33")  # a third time: 90 minutes
    sync(office, at("2026-11-27 12:35"))
    sync(office, at("2026-11-27 14:04"))
    assert len(wa_api.sent) == sent + 3
    fails_for_now("2026-11-27 14:05")  # a fourth: it is left to staff
    sync(office, at("2026-11-27 14:10"))
    assert staff.row(ticket)["Notifikasi"] == "Diproses · tidak terkirim: gagal dikirim WhatsApp (131000)"
    sync(office, at("2026-11-28 14:10"))
    assert len(wa_api.sent) == sent + 3


def test_an_immediate_refusal_is_retried_once_after_staff_fix_the_number(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_for(RESIDENT, 131026)
    sync(office, at("2026-11-27 09:00"))
    assert "tidak terkirim" in staff.row(ticket)["Notifikasi"]
    sync(office, at("2026-11-27 09:05"))
    staff.set(ticket, "WhatsApp", "0813-5555-0002")
    sync(office, at("2026-11-27 09:10"))
    sync(office, at("2026-11-27 09:15"))
    assert [m.wa_id for m in wa_api.sent] == ["6281355550002"]


def test_a_failed_chat_reply_tries_no_template_and_its_log_row_says_what_happened(cloud, wa_api, staff, caplog):
    office = cloud.extensions["pondok"]
    post(cloud, wa_api, text("halo"))
    menu = wa_api.sent[-1]
    post(cloud, wa_api, FakeGraphAPI.status_update(menu.message_id, "delivered", RESIDENT))
    post(cloud, wa_api, FakeGraphAPI.status_update(menu.message_id, "failed", RESIDENT, error_code=131047))
    with caplog.at_level(logging.WARNING):
        sync(office, at("2026-11-27 09:00"))
        sync(office, at("2026-11-27 09:05"))
    assert [m.type for m in wa_api.sent] == ["interactive"]  # no template without parameters
    (row,) = [r for r in staff.rows("Log") if r["Jenis"] == "balasan"]
    assert row["Hasil"] == "gagal: di luar jendela 24 jam sejak warga terakhir menulis"
    assert "PONDOK_WA_TEMPLATE" not in row["Hasil"] and "found no row" not in caplog.text


# -- username users, other numbers, foreign numbers -------------------------------------------

def username(body: str, message_id: str | None = None):
    payload = text(body, message_id=message_id)
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Wulan", "username": "wulan.sukamaju"}, "user_id": WULAN}]
    item = value["messages"][0]
    del item["from"]
    item["from_user_id"] = WULAN
    return payload


def test_a_username_user_files_by_chat_and_hears_of_status_changes_by_user_id(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    for said in ["halo", "1", "Wulan Sari", "3201014507900001", "-", "YA"]:
        post(cloud, wa_api, username(said))
    reply = replies_to(wa_api, WULAN)[-1]
    assert "Nomor tiket" in reply and all("recipient" in m.json and "to" not in m.json for m in wa_api.sent)
    ticket = reply.split("Nomor tiket: *")[1].split("*")[0]
    sync(office, at("2026-11-27 09:00"))
    assert staff.row(ticket)["WhatsApp"] == WULAN
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 10:00"))
    news = wa_api.sent[-1]
    assert news.json["recipient"] == WULAN and ticket in json.dumps(news.json)
    assert staff.row(ticket)["Notifikasi"] == "Diproses · dikabari 2026-11-27 10:00"


def test_where_meta_refuses_user_ids_staff_read_why_in_notifikasi(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    for said in ["halo", "1", "Wulan Sari", "3201014507900001", "-", "YA"]:
        post(cloud, wa_api, username(said))
    ticket = replies_to(wa_api, WULAN)[-1].split("Nomor tiket: *")[1].split("*")[0]
    sync(office, at("2026-11-27 09:00"))
    wa_api.accepts_user_ids = False
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 10:00"))
    assert staff.row(ticket)["Notifikasi"].startswith("Diproses · tidak terkirim: WhatsApp belum mengizinkan")


def test_another_business_numbers_messages_are_ignored_and_logged_once(cloud, wa_api, caplog):
    with caplog.at_level(logging.WARNING):
        for i in range(2):
            post(cloud, wa_api, FakeGraphAPI.inbound_text(RESIDENT, "halo", phone_number_id="999000999"))
    assert wa_api.sent == []
    assert caplog.text.count("another business number") == 1


def test_a_foreign_number_gets_one_polite_reply_and_nothing_is_filed(cloud, wa_api):
    office = cloud.extensions["pondok"]
    for said in ["halo", "1", "Budi"]:
        post(cloud, wa_api, text(said, sender="60123456789"))
    said = replies_to(wa_api, "60123456789")
    assert len(said) == 1 and "nomor HP Indonesia (+62)" in said[0] and "jam kerja" in said[0]
    assert office.state.queue.pending() == []


def test_a_changed_number_is_where_status_messages_go_next(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    post(cloud, wa_api, message("system", {"body": "Warga changed from 6281355550000 to 6281355559999",
                                           "wa_id": "6281355559999", "type": "user_changed_number"}))
    staff.set(ticket, "Status", "Diproses")
    sync(office, at("2026-11-27 10:00"))
    assert [m.wa_id for m in wa_api.sent] == [RESIDENT, "6281355559999"]  # the menu was never sent


def test_a_pickup_reminder_goes_to_the_number_the_resident_changed_to(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0812-3456-7805"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 10:00"))  # a Friday: Dewi is told on her old number
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-27 10:00"
    assert post(cloud, wa_api, ours(wa_api, "message_system_changed_number_new_wa_id")).status_code == 200
    sent = len(wa_api.sent)
    sync(office, at("2026-12-02 10:00"))  # 3 working days later
    assert [m.wa_id for m in wa_api.sent[sent:]] == [DEWI_NEW]
    assert staff.row(ticket)["Notifikasi"].endswith("· pengingat 1")
    (row,) = [r for r in staff.rows("Log") if r["Jenis"] == "pengingat"]
    assert row["Kepada"] == mask_phone(DEWI_NEW) and row["Hasil"] == "terkirim"


def test_a_username_user_gets_pickup_reminders_by_user_id(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    for said in ["halo", "1", "Wulan Sari", "3201014507900001", "-", "YA"]:
        post(cloud, wa_api, username(said))
    ticket = replies_to(wa_api, WULAN)[-1].split("Nomor tiket: *")[1].split("*")[0]
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 10:00"))
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-27 10:00"
    sent = len(wa_api.sent)
    sync(office, at("2026-12-02 10:00"))  # 3 working days later
    (reminder,) = wa_api.sent[sent:]
    assert reminder.json["recipient"] == WULAN and "to" not in reminder.json
    assert staff.row(ticket)["Notifikasi"].endswith("· pengingat 1")
    assert [r["Hasil"] for r in staff.rows("Log") if r["Jenis"] == "pengingat"] == ["terkirim"]


def test_a_message_of_a_type_meta_adds_later_gets_the_cant_read_reply_and_the_step_is_kept(cloud, wa_api):
    post(cloud, wa_api, text("halo", sender=AGUS))
    post(cloud, wa_api, FakeGraphAPI.list_reply(AGUS, "layanan:SKD", "Domisili", wa_api.sent[-1].message_id))
    assert "nama lengkap" in replies_to(wa_api, AGUS)[-1]
    post(cloud, wa_api, ours(wa_api, "message_unknown_type"))
    assert replies_to(wa_api, AGUS)[-1] == UNREADABLE_REPLY
    post(cloud, wa_api, text("Agus Salim", sender=AGUS))
    assert replies_to(wa_api, AGUS)[-1].startswith("Berapa NIK Anda?")  # the name step was still waiting


def test_a_foreign_sender_whose_handling_died_before_the_reply_was_planned_still_gets_it(cloud, wa_api, clock,
                                                                                        monkeypatch):
    office = cloud.extensions["pondok"]
    decisions = office.state.decisions
    plan = decisions.decide

    def killed(*args, **kwargs):  # the process dies at the moment the replies would be planned
        monkeypatch.setattr(decisions, "decide", plan)
        raise RuntimeError("killed")

    monkeypatch.setattr(decisions, "decide", killed)
    clock.moment = at("2026-11-27 09:00")
    post(cloud, wa_api, text("halo, saya TKI di Johor", sender="60123456789"))
    assert replies_to(wa_api, "60123456789") == []
    process_inbox(office, at("2026-11-27 09:01"))  # after restart: the claim's lease is over
    said = replies_to(wa_api, "60123456789")
    assert len(said) == 1 and "nomor HP Indonesia (+62)" in said[0]
    clock.moment = at("2026-11-27 12:00")
    post(cloud, wa_api, text("halo lagi", sender="60123456789"))
    assert len(replies_to(wa_api, "60123456789")) == 1  # still once a day


# -- account, template and error events -------------------------------------------------------

def test_account_and_template_events_reach_the_log_the_digest_and_doctor(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    for name in ["account_update_restriction", "template_status_rejected", "value_errors_130429"]:
        assert post(cloud, wa_api, ours(wa_api, name)).status_code == 200
    sync(office, at("2026-11-27 09:00"))
    operator = [r for r in staff.rows("Log") if r["Jenis"] == "operator"]
    assert len(operator) == 3 and any("dibatasi Meta" in r["Isi"] for r in operator)
    assert all(r["Hasil"] for r in operator)  # what to do, for every one
    ok, _ = digest_job(office, at("2026-11-28 07:30"))
    digest = wa_api.sent[-1]
    assert ok and digest.type == "template" and digest.template == "ringkasan_pagi"
    assert "dibatasi Meta" in digest.parameters[4]
    result = cloud.test_cli_runner().invoke(cli, ["doctor"])
    assert "WhatsApp melaporkan: Akun WhatsApp Business dibatasi Meta" in result.output and result.exit_code == 1
    post(cloud, wa_api, corpus.load("account_update_reinstated"))
    result = cloud.test_cli_runner().invoke(cli, ["doctor"])
    assert "dibatasi Meta" not in result.output


def test_a_one_off_error_alert_is_in_the_next_digest_and_doctor_and_gone_a_day_after_its_report(cloud, wa_api,
                                                                                                 clock):
    office = cloud.extensions["pondok"]
    clock.moment = at("2026-11-27 15:00")
    assert post(cloud, wa_api, ours(wa_api, "value_errors_130429")).status_code == 200
    digest_job(office, at("2026-11-28 07:30"))
    assert "kecepatan kirim (130429)" in wa_api.sent[-1].parameters[4]
    clock.moment = at("2026-11-28 08:00")
    assert "kecepatan kirim (130429)" in cloud.test_cli_runner().invoke(cli, ["doctor"]).output
    digest_job(office, at("2026-11-29 07:30"))
    assert "130429" not in wa_api.sent[-1].parameters[4]
    clock.moment = at("2026-11-29 08:00")
    assert "130429" not in cloud.test_cli_runner().invoke(cli, ["doctor"]).output


def test_the_digest_is_free_text_inside_the_staff_window_and_the_template_outside(cloud, wa_api):
    office = cloud.extensions["pondok"]
    digest_job(office, at("2026-11-27 07:30"))
    assert wa_api.sent[-1].type == "template" and wa_api.sent[-1].parameters[0] == "Pondok"
    post(cloud, wa_api, text("halo", sender="6281299990001"))
    digest_job(office, office.now())
    assert wa_api.sent[-1].type == "text" and wa_api.sent[-1].text.startswith("Ringkasan pagi")


def test_doctor_checks_the_digest_template_like_the_status_template(cloud, wa_api):
    result = cloud.test_cli_runner().invoke(cli, ["doctor"])
    assert "[OK] Template 'ringkasan_pagi' (id) disetujui" in result.output
    missing = create_app(dataclasses.replace(cloud.extensions["pondok"].settings, wa_digest_template="tidak_ada"),
                         {"TESTING": True})
    result = missing.test_cli_runner().invoke(cli, ["doctor"])
    assert "[MASALAH] Template 'tidak_ada' (id) tidak ditemukan" in result.output and result.exit_code == 1


# -- any shape ----------------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=25)


def _mutations():
    bodies = [corpus.load(n) for n in corpus.names()]
    return st.tuples(st.sampled_from(bodies), st.lists(st.tuples(st.integers(0, 50), JSON), max_size=3))


def _places(node, found):
    """Every (container, key) in a JSON value, depth first."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.append((node, key))
        _places(child, found)
    return found


def _mutate(body, changes):
    body = copy.deepcopy(body)
    for where, value in changes:
        places = _places(body, [])
        if places:
            parent, key = places[where % len(places)]
            parent[key] = value
    return body


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_mutations(), junk=JSON)
def test_a_signed_body_of_any_shape_gets_200_or_400_never_500(cloud, wa_api, case, junk):
    body, changes = case
    for payload in (_mutate(body, changes), junk):
        response = post(cloud, wa_api, json.dumps(payload).encode())
        assert response.status_code in (200, 400)
