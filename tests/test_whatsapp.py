"""WhatsApp through the real client and webhook: the Cloud API (fake Graph API), the chat, links mode."""
from __future__ import annotations

import dataclasses
import json
from urllib.parse import parse_qs, urlparse

import pytest

from pondok_sheets import create_app
from pondok_sheets.register.model import Channel

from .conftest import LETTER_ANSWERS, VALID, at
from .fakes.graph_api import FakeGraphAPI
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync

RESIDENT = "6281355550000"  # the resident's WhatsApp id (digits), +62 813-5555-0000


@pytest.fixture
def store_kind() -> str:
    return "local"


@pytest.fixture
def wa_api():
    with FakeGraphAPI() as api:
        api.add_template("status_permohonan", "id", 5)
        yield api
        assert api.errors == []


@pytest.fixture
def cloud(settings, wa_api):
    """An app whose messenger is the Cloud API (the fake one), with its office."""
    app = create_app(dataclasses.replace(
        settings, wa_provider="cloud", wa_token=wa_api.token, wa_phone_number_id=wa_api.phone_number_id,
        wa_app_secret=wa_api.app_secret, wa_verify_token="kata-rahasia", wa_api_url=wa_api.base_url,
        wa_template="status_permohonan", wa_business_id=wa_api.waba_id), {"TESTING": True})
    office = app.extensions["pondok"]
    office.messenger.client.sleep = lambda seconds: None  # the retry back-off, at its one choke point
    return app


def post(app, payload, signed=True, wa_api=None, raw=None):
    """POST a webhook as Meta does, then wait for the background worker to handle it."""
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["X-Hub-Signature-256"] = (wa_api or FakeGraphAPI()).sign(body)
    # buffered: the response is closed, as a WSGI server closes it, which runs the inline handling
    response = app.test_client().post("/webhook/whatsapp", data=body, headers=headers, buffered=True)
    app.extensions["pondok.inbox"].wait()
    return response


def say(app, wa_api, text, sender=RESIDENT, **kwargs):
    return post(app, FakeGraphAPI.inbound_text(sender, text, **kwargs), wa_api=wa_api)


def answer_fields(app, wa_api, code: str) -> None:
    """Answer the service's own questions (its Isian), in the order the chat asks them."""
    service = next(s for s in app.extensions["pondok"].state.meta.services() if s.code == code)
    for spec in service.fields:
        say(app, wa_api, LETTER_ANSWERS.get(spec.key, "-"))


def texts_to(wa_api, wa_id=RESIDENT) -> list[str]:
    return [m.text or "" for m in wa_api.sent if m.wa_id == wa_id]


# -- the webhook's door -------------------------------------------------------------------

def test_verification_echoes_the_challenge_only_for_the_right_token(cloud):
    client = cloud.test_client()
    ok = client.get("/webhook/whatsapp", query_string=FakeGraphAPI.verification_query("kata-rahasia", "1158201444"))
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    assert ok.mimetype == "text/plain"
    wrong = client.get("/webhook/whatsapp", query_string=FakeGraphAPI.verification_query("salah", "1"))
    assert wrong.status_code == 403


def test_a_forged_or_missing_signature_is_refused_and_nothing_happens(cloud, wa_api):
    payload = FakeGraphAPI.inbound_text(RESIDENT, "halo")
    assert post(cloud, payload, signed=False).status_code == 401
    body = json.dumps(payload).encode()
    forged = cloud.test_client().post("/webhook/whatsapp", data=body, headers={
        "X-Hub-Signature-256": FakeGraphAPI(app_secret="bukan-rahasia-kami").sign(body)})
    assert forged.status_code == 403
    cloud.extensions["pondok.inbox"].wait()
    assert wa_api.sent == [] and cloud.extensions["pondok"].state.inbox.claim(at("2026-11-27 09:00")) == []


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"object": "page", "entry": []}', b'"halo"'])
def test_malformed_bodies_get_400_not_a_crash(cloud, wa_api, raw):
    assert post(cloud, None, raw=raw, wa_api=wa_api).status_code == 400


def test_unexpected_fields_are_ignored(cloud, wa_api):
    payload = {"object": "whatsapp_business_account", "entry": [
        {"id": "1", "changes": [{"field": "account_update", "value": {"x": 1}},
                                {"field": "messages", "value": {"messages": [{"no": "id"}], "statuses": "?"}}]}]}
    assert post(cloud, payload, wa_api=wa_api).status_code == 200
    assert wa_api.sent == []


# -- the chat -----------------------------------------------------------------------------

def test_a_full_chat_from_halo_to_a_ticket_in_the_register_and_a_confirmation(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    say(cloud, wa_api, "halo")
    menu = wa_api.sent[-1]
    assert menu.type == "interactive" and "1. Surat Keterangan Domisili" in menu.json["interactive"]["body"]["text"]
    post(cloud, FakeGraphAPI.list_reply(RESIDENT, "layanan:SKTM", "SKTM", menu.message_id), wa_api=wa_api)
    assert "Surat Keterangan Tidak Mampu" in texts_to(wa_api)[-1]
    say(cloud, wa_api, "  siti   aminah ")
    say(cloud, wa_api, "3201 0145 0790 000")  # 15 digits: re-asked with the reason
    assert texts_to(wa_api)[-1].startswith("NIK harus 16 angka")
    say(cloud, wa_api, "3201014507900001")
    answer_fields(cloud, wa_api, "SKTM")
    say(cloud, wa_api, "Untuk beasiswa sekolah")
    summary = wa_api.sent[-1]
    assert summary.type == "interactive" and "NIK: 320101******0001" in summary.json["interactive"]["body"]["text"]
    post(cloud, FakeGraphAPI.button_reply(RESIDENT, "ya", "YA", summary.message_id), wa_api=wa_api)
    reply = texts_to(wa_api)[-1]
    ticket = reply.split("Nomor tiket: *")[1].split("*")[0]
    assert f"https://layanan.desapondok.id/tiket/{ticket}" in reply

    sent_before = len(wa_api.sent)
    sync(office, at("2026-11-27 09:00"))
    row = staff.row(ticket)
    assert (row["Nama"], row["Saluran"], row["WhatsApp"]) == ("siti aminah", "WhatsApp", "0813-5555-0000")
    assert row["Keterangan"] == "Untuk beasiswa sekolah" and row["Layanan"].startswith("Surat Keterangan Tidak")
    # one confirmation per filing: the chat's reply carried the ticket, so the sync sends no second "Baru"
    assert len(wa_api.sent) == sent_before and "sudah kami terima" in reply
    assert row["Notifikasi"].startswith("Baru · dikabari ")
    sync(office, at("2026-11-27 09:05"))
    assert len(wa_api.sent) == sent_before


def test_plain_text_answers_work_everywhere_and_batal_cancels(cloud, wa_api):
    office = cloud.extensions["pondok"]
    say(cloud, wa_api, "Selamat pagi")
    say(cloud, wa_api, "1")
    say(cloud, wa_api, "Budi")
    say(cloud, wa_api, "3201010203850002")
    answer_fields(cloud, wa_api, "SKD")
    say(cloud, wa_api, "-")
    assert "Keterangan: -" in wa_api.sent[-1].json["interactive"]["body"]["text"]
    say(cloud, wa_api, "mungkin")
    assert texts_to(wa_api)[-2] == "Balas YA untuk mengirim, atau BATAL untuk membatalkan."
    say(cloud, wa_api, " BATAL ")
    assert texts_to(wa_api)[-1].startswith("Baik, permohonan dibatalkan.")
    assert office.state.queue.pending() == []


def test_the_same_webhook_delivered_twice_gives_one_reply_and_one_request(cloud, wa_api):
    office = cloud.extensions["pondok"]
    for text in ["halo", "SKD", "Siti Aminah", "3201014507900001"]:
        say(cloud, wa_api, text)
    answer_fields(cloud, wa_api, "SKD")
    say(cloud, wa_api, "-")
    yes = FakeGraphAPI.inbound_text(RESIDENT, "ya", message_id="wamid.KONFIRMASI")
    post(cloud, yes, wa_api=wa_api)
    sent_before = len(wa_api.sent)
    post(cloud, yes, wa_api=wa_api)  # Meta redelivers the same update
    assert len(wa_api.sent) == sent_before
    assert len(office.state.queue.pending()) == 1


def test_1000_updates_in_one_post_in_any_order_are_all_taken(cloud, wa_api):
    office = cloud.extensions["pondok"]
    values = [FakeGraphAPI.status_update(f"wamid.TIDAKDIKENAL{i}", "delivered", RESIDENT)["entry"][0]["changes"][0]
              ["value"] for i in range(999)]
    values.append(FakeGraphAPI.inbound_text(RESIDENT, "halo")["entry"][0]["changes"][0]["value"])
    response = post(cloud, FakeGraphAPI.envelope(values[::-1]), wa_api=wa_api)
    assert response.status_code == 200
    assert [m.type for m in wa_api.sent] == ["interactive"]  # one reply: the menu
    assert office.state.inbox.claim(at("2026-11-27 09:00")) == []


def test_cek_tells_details_only_to_the_number_that_filed_the_request(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Perlu Dilengkapi")
    staff.set(ticket, "Catatan", "Fotokopi KK belum ada")
    sync(office, at("2026-11-27 09:05"))
    say(cloud, wa_api, f"cek {ticket.lower().replace('-', '')}")
    mine = texts_to(wa_api)[-1]
    assert "Perlu Dilengkapi" in mine and "Fotokopi KK belum ada" in mine and "Surat Keterangan Domisili" in mine
    say(cloud, wa_api, f"CEK {ticket}", sender="6281399998888")
    other = texts_to(wa_api, "6281399998888")[-1]
    assert other == f"Tiket {ticket}: status *Perlu Dilengkapi*."
    say(cloud, wa_api, "CEK PDK-ZZZZZZZ", sender="6281399998888")
    assert "belum kami temukan" in texts_to(wa_api, "6281399998888")[-1]


def test_a_photo_gets_a_polite_reply_with_the_requirements(cloud, wa_api):
    say(cloud, wa_api, "halo")
    say(cloud, wa_api, "SKU")
    post(cloud, FakeGraphAPI.inbound_media(RESIDENT), wa_api=wa_api)
    reply = texts_to(wa_api)[-1]
    assert "Dokumen tidak perlu dikirim lewat WhatsApp" in reply and "Foto tempat usaha" in reply
    say(cloud, wa_api, "Dewi")  # the conversation carries on where it was
    assert texts_to(wa_api)[-1].startswith("Berapa NIK Anda?")


def test_the_conversation_survives_a_restart_and_expires_after_30_minutes(cloud, wa_api, settings):
    from pondok_sheets.flow.inbox import process_inbox

    say(cloud, wa_api, "halo")
    say(cloud, wa_api, "2")
    restarted = create_app(cloud.extensions["pondok"].settings, {"TESTING": True})
    office = restarted.extensions["pondok"]
    office.messenger.client.sleep = lambda seconds: None
    office.state.inbox.add([_stored("wamid.A", "Budi")], at("2026-11-27 09:00"))
    now = office.now()
    process_inbox(office, now)
    assert texts_to(wa_api)[-1].startswith("Berapa NIK Anda?")
    office.state.inbox.add([_stored("wamid.B", "3201010203850002")], now)
    from datetime import timedelta

    process_inbox(office, now + timedelta(minutes=31))
    assert "Balas dengan nomor layanan" in wa_api.sent[-1].json["interactive"]["body"]["text"]


def _stored(message_id: str, text: str) -> tuple:
    """An inbox row exactly as the webhook stores a resident's text message."""
    from pondok_sheets.whatsapp.event_types import Message, Sender

    message = Message(id=message_id, sender=Sender(phone=RESIDENT, user_id=None), phone_number_id="1234567890",
                      timestamp="", kind="text", type="text", text=text)
    return message.dedup_id, message.tag, message.to_dict()


# -- status messages through the Cloud API ----------------------------------------------

def test_outside_the_24_hour_window_the_template_goes_with_five_parameters(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    (message,) = wa_api.sent
    assert message.type == "template" and message.template == "status_permohonan" and message.language == "id"
    assert message.parameters == ["Siti Aminah", ticket, "Surat Keterangan Domisili", "Baru", "-"]
    assert message.to == "+6281355550000"


def test_the_ready_template_carries_the_letter_number_before_the_staff_note(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")  # days later: the window is closed, so the template goes
    staff.set(ticket, "Catatan", "Bawa KTP asli")
    assert sync(office, at("2026-11-30 09:00")).ok
    number = staff.row(ticket)["Nomor Surat"]
    assert number.startswith("470/001/")
    ready = wa_api.sent[-1]
    assert ready.type == "template" and ready.parameters[3] == "Siap Diambil"
    assert ready.parameters[4] == f"Nomor surat {number}; Bawa KTP asli"
    assert "/surat/" not in json.dumps(ready.json)  # the staff link never goes to the resident


def test_131047_at_once_resends_once_as_the_template(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    say(cloud, wa_api, "halo")  # opens the window: free text is tried first
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_for(RESIDENT, 131047)  # Meta's clock disagrees: the window has closed
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.sent == 1
    statuses = [m for m in wa_api.sent if m.type in ("text", "template") and ticket in json.dumps(m.json)]
    assert [m.type for m in statuses] == ["template"]
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"


def test_131047_reported_later_in_a_failed_status_resends_once_as_the_template(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    say(cloud, wa_api, "halo")
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_for(RESIDENT, 131047, asynchronous=True)
    sync(office, at("2026-11-27 09:00"))
    text = wa_api.sent[-1]
    assert text.type == "text" and text.async_error == 131047
    failed = FakeGraphAPI.status_update(text.message_id, "failed", RESIDENT, error_code=131047)
    post(cloud, failed, wa_api=wa_api)
    post(cloud, failed, wa_api=wa_api)  # redelivered
    sync(office, at("2026-11-27 09:02"))
    sync(office, at("2026-11-27 09:04"))
    templates = [m for m in wa_api.sent if m.type == "template"]
    assert len(templates) == 1 and templates[0].parameters[1] == ticket
    hasil = {r["ID Pesan"]: r["Hasil"] for r in staff.rows("Log")}
    assert hasil[text.message_id].startswith("gagal: 131047")
    assert hasil[templates[0].message_id] == "terkirim ulang sebagai template"


def test_delivery_statuses_reach_the_log_without_going_backwards(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    message_id = wa_api.sent[-1].message_id
    for status in ["read", "delivered", "sent"]:  # out of order, as Meta may deliver them
        post(cloud, FakeGraphAPI.status_update(message_id, status, RESIDENT), wa_api=wa_api)
    sync(office, at("2026-11-27 09:05"))
    (log,) = staff.rows("Log")
    assert log["Hasil"] == "sudah dibaca"


def test_an_undeliverable_number_is_marked_for_staff_and_not_retried(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_for(RESIDENT, 131026)
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.not_sent == 1
    assert staff.row(ticket)["Notifikasi"] == ("Baru · tidak terkirim: nomor tidak terdaftar di WhatsApp atau "
                                               "tidak bisa menerima pesan")
    sync(office, at("2026-11-27 09:05"))
    assert len(wa_api.sent) == 0 and len([r for r in wa_api.requests if r.method == "POST"]) == 1


def test_an_expired_token_is_a_clear_operator_error_and_messages_stay_pending(cloud, wa_api, staff, caplog):
    office = cloud.extensions["pondok"]
    tickets = [submit(office, "SKD", {**VALID, "wa": f"0813-5555-000{i}"}, Channel.FORM) for i in range(3)]
    wa_api.fail_next(1, code=190)
    report = sync(office, at("2026-11-27 09:00"))
    assert not report.ok and "token WhatsApp kedaluwarsa" in report.error
    assert "190" in caplog.text and "token" in caplog.text
    assert len([r for r in wa_api.requests if r.method == "POST"]) == 1  # it stopped trying the others
    assert all(staff.row(t)["Notifikasi"] == "" for t in tickets)  # the rows landed; nobody counted as told
    health = cloud.test_client().get("/healthz")  # an uptime monitor sees it too
    assert health.status_code == 503
    assert health.get_json()["alasan"] == "sinkron terakhir gagal: pengiriman WhatsApp berhenti"
    report = sync(office, at("2026-11-27 09:05"))  # the operator renewed the token
    assert report.ok and report.sent == 3
    assert all(staff.row(t)["Notifikasi"].startswith("Baru · dikabari") for t in tickets)


def test_a_500_from_the_graph_api_is_retried_later_not_lost_not_doubled(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_next(3, code=131000)  # three tries in this cycle, all refused
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.retry_later == 1 and wa_api.sent == []
    assert staff.row(ticket)["Notifikasi"] == ""
    sync(office, at("2026-11-27 09:02"))
    sync(office, at("2026-11-27 09:04"))
    assert len(wa_api.sent) == 1 and staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:02"


def test_a_rate_limit_within_the_cycle_is_retried_at_once(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    wa_api.fail_next(1, code=130429)
    assert sync(office, at("2026-11-27 09:00")).sent == 1
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:00"


# -- links mode ---------------------------------------------------------------------------

@pytest.fixture
def links(settings):
    app = create_app(dataclasses.replace(settings, wa_provider="links"), {"TESTING": True})
    from pondok_sheets.stores import prepare_register

    prepare_register(app.extensions["pondok"].store, with_links=True)
    return app


def test_links_mode_gives_a_correct_wa_me_link_for_every_pending_message(links, staff):
    office = links.extensions["pondok"]
    tickets = [submit(office, "SKD", {**VALID, "nama": name, "wa": wa}, Channel.FORM)
               for name, wa in [("Ani & Budi", "0813-5555-0000"), ("Citra", "+62 812 3456 7890")]]
    report = sync(office, at("2026-11-27 09:00"))
    assert report.ok and report.sent == 2
    rows = staff.rows("Kirim WA")
    assert [r["Tiket"] for r in rows] == tickets and all(r["Terkirim"] in ("", "FALSE") for r in rows)
    for row, digits in zip(rows, ["6281355550000", "6281234567890"]):
        link = urlparse(row["Tautan"])
        assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", f"/{digits}")
        assert parse_qs(link.query)["text"] == [row["Pesan"]]
        assert "%26" in row["Tautan"] or "&" not in row["Pesan"]
        assert "3456" not in row["Kepada"] and "5555" not in row["Kepada"]
    assert all(staff.row(t)["Notifikasi"] == "Baru · menunggu dikirim petugas" for t in tickets)
    sync(office, at("2026-11-27 09:05"))
    assert len(staff.rows("Kirim WA")) == 2  # queued once


def test_ticking_sent_marks_the_resident_told(links, staff):
    office = links.extensions["pondok"]
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    (row,) = staff.rows("Kirim WA")
    staff.set_where("Kirim WA", "No", row["No"], "Terkirim", "TRUE")
    sync(office, at("2026-11-27 09:30"))
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:30"
    (log,) = staff.rows("Log")
    assert log["Hasil"] == "terkirim oleh petugas"
    staff.set(ticket, "Status", "Siap Diambil")
    sync(office, at("2026-11-27 10:00"))
    assert [r["Status"] for r in staff.rows("Kirim WA")] == ["Baru", "Siap Diambil"]


def test_outbox_lists_links_and_ticks_them_in_the_local_register(links, staff):
    from pondok_sheets.cli import cli

    office = links.extensions["pondok"]
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    runner = links.test_cli_runner()
    listed = runner.invoke(cli, ["outbox"])
    assert "https://wa.me/6281234567801?text=" in listed.output and "belum dikirim" in listed.output
    ticked = runner.invoke(cli, ["outbox", "--terkirim", "1"])
    assert ticked.exit_code == 0 and "ditandai terkirim" in ticked.output
    sync(office, at("2026-11-27 09:10"))
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:10"


# -- doctor -------------------------------------------------------------------------------

def test_doctor_checks_the_whatsapp_settings_against_the_api(cloud, wa_api):
    from pondok_sheets.cli import cli

    runner = cloud.test_cli_runner()
    result = runner.invoke(cli, ["doctor"])
    assert "[OK] Token WhatsApp dan nomor bisnis cocok: 6281100000000 (Kantor Desa Pondok)." in result.output
    assert "[OK] Template 'status_permohonan' (id) disetujui, kategori UTILITY, 5 isian." in result.output
    assert result.exit_code == 0, result.output
    unknown = create_app(dataclasses.replace(cloud.extensions["pondok"].settings, wa_template="tidak_ada"),
                         {"TESTING": True})
    result = unknown.test_cli_runner().invoke(cli, ["doctor"])
    assert result.exit_code == 1 and "[MASALAH] Template 'tidak_ada' (id) tidak ditemukan" in result.output
    wa_api.token = "token-baru-di-meta"  # ours has expired: Meta answers 401, code 190
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1 and "[MASALAH] WhatsApp menolak: token WhatsApp kedaluwarsa" in result.output


def _slow_meta(office, wa_api):
    """Meta takes the message but its answer arrives after our time-out."""
    office.messenger.client.config = dataclasses.replace(office.messenger.client.config, timeout=0.5)
    wa_api.hang_next(1, seconds=3, after=True)


def test_a_send_whose_answer_was_lost_is_confirmed_by_whatsapps_report_not_sent_twice(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    _slow_meta(office, wa_api)
    report = sync(office, at("2026-11-27 09:00"))
    assert report.retry_later == 1 and staff.row(ticket)["Notifikasi"] == ""
    (sent,) = wa_api.sent  # it did go out
    ref = sent.json["biz_opaque_callback_data"]
    assert ref.startswith(f"pondok:{ticket}:Baru:")
    sync(office, at("2026-11-27 09:02"))
    assert len(wa_api.sent) == 1  # waiting for WhatsApp's report, not sending again
    update = FakeGraphAPI.status_update(sent.message_id, "delivered", RESIDENT)
    update["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = ref
    post(cloud, update, wa_api=wa_api)
    sync(office, at("2026-11-27 09:04"))
    assert len(wa_api.sent) == 1
    assert staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:04"
    assert "terkirim (dipastikan dari laporan WhatsApp)" in [r["Hasil"] for r in staff.rows("Log")]


def test_without_a_report_a_lost_send_is_sent_again_after_15_minutes(cloud, wa_api, staff):
    office = cloud.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": "0813-5555-0000"}, Channel.FORM)
    _slow_meta(office, wa_api)
    sync(office, at("2026-11-27 09:00"))
    sync(office, at("2026-11-27 09:10"))
    assert len(wa_api.sent) == 1
    sync(office, at("2026-11-27 09:16"))
    assert len(wa_api.sent) == 2 and staff.row(ticket)["Notifikasi"] == "Baru · dikabari 2026-11-27 09:16"
