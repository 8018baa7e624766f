"""Breakages a reviewer's mutation run showed the suite let through, each as what a user would notice."""
from __future__ import annotations

import dataclasses
import json
import re
import threading
from datetime import timedelta

import pytest

from pondok_sheets import create_app
from pondok_sheets.errors import StoreError
from pondok_sheets.flow.inbox import INLINE_BUDGET, process_inbox
from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.sync import sync
from pondok_sheets.register.model import Channel
from pondok_sheets.register.tickets import ALPHABET, CODE_LENGTH

from .conftest import VALID, at
from .fakes.graph_api import FakeGraphAPI

RESIDENT = "6281355550000"  # +62 813-5555-0000 as WhatsApp names it
RESIDENT_LOCAL = "0813-5555-0000"


@pytest.fixture
def wa_api():
    with FakeGraphAPI() as api:
        api.add_template("status_permohonan", "id", 5)
        yield api


def cloud_app(settings, wa_api, clock=None, **overrides):
    """The app with the Cloud API messenger pointed at the fake Graph API."""
    app = create_app(dataclasses.replace(settings, **{
        "wa_provider": "cloud", "wa_token": wa_api.token, "wa_phone_number_id": wa_api.phone_number_id,
        "wa_app_secret": wa_api.app_secret, "wa_verify_token": "kata-rahasia", "wa_api_url": wa_api.base_url,
        "wa_template": "status_permohonan", **overrides}), {"TESTING": True}, clock=clock)
    app.extensions["pondok"].messenger.client.sleep = lambda seconds: None
    return app


def webhook(app, payload, secret):
    body = json.dumps(payload).encode()
    response = app.test_client().post("/webhook/whatsapp", data=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": FakeGraphAPI(app_secret=secret).sign(body)})
    app.extensions["pondok.inbox"].wait()
    return response


class LosesItsWrites:
    """The register, except that cell updates time out once (Google's answer was lost)."""

    def __init__(self, store):
        self._store = store
        self.lost = 0

    def update_many(self, writes):
        if not self.lost:
            self.lost += 1
            raise StoreError("Google Sheets tidak menjawab tepat waktu; pekerjaan tetap antre dan dicoba lagi.")
        return self._store.update_many(writes)

    def __getattr__(self, name):
        return getattr(self._store, name)


# -- nobody unauthenticated triggers work or forges a webhook ------------------------------

@pytest.mark.parametrize("store_kind", ["local"])
def test_an_unset_app_secret_refuses_a_webhook_signed_with_an_empty_key(settings, wa_api, store_kind):
    app = cloud_app(settings, wa_api, wa_app_secret="")
    payload = FakeGraphAPI.inbound_text(RESIDENT, "halo")
    assert webhook(app, payload, secret="").status_code in (401, 403)
    assert wa_api.sent == []


@pytest.mark.parametrize("store_kind", ["local"])
def test_an_unset_verify_token_refuses_verification_with_an_empty_token(settings, wa_api, store_kind):
    app = cloud_app(settings, wa_api, wa_verify_token="")
    answer = app.test_client().get("/webhook/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1158201444"})
    assert answer.status_code == 403 and "1158201444" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("store_kind", ["local"])
@pytest.mark.parametrize("header", ["Basic rahasia-cron", "Token rahasia-cron", "rahasia-cron", "Bearer salah",
                                    "Bearer"])
def test_tasks_tick_runs_only_for_the_bearer_token(settings, store_kind, header):
    app = create_app(dataclasses.replace(settings, task_token="rahasia-cron"), {"TESTING": True})
    ticket = submit(app.extensions["pondok"], "SKD", VALID, Channel.FORM)
    refused = app.test_client().post("/tasks/tick", headers={"Authorization": header})
    assert refused.status_code == 401
    assert app.extensions["pondok"].state.queue.queued(ticket).row  # nothing ran: still queued
    accepted = app.test_client().post("/tasks/tick", headers={"Authorization": "Bearer rahasia-cron"})
    assert accepted.status_code == 200 and not app.extensions["pondok"].state.queue.queued(ticket).row


# -- never twice ----------------------------------------------------------------------------

def test_a_message_whose_notifikasi_write_was_lost_is_not_sent_again(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    staff.set(ticket, "Status", "Siap Diambil")
    flaky = dataclasses.replace(office, store=LosesItsWrites(office.store))
    report = sync(flaky, at("2026-11-27 09:05"))
    assert not report.ok and report.sent == 1  # told, but the Notifikasi cell never got written
    assert staff.row(ticket)["Notifikasi"].startswith("Baru · dikabari")
    again = sync(flaky, at("2026-11-27 09:07"))
    assert again.ok and again.sent == 0
    assert staff.row(ticket)["Notifikasi"] == "Siap Diambil · dikabari 2026-11-27 09:05"
    told = [m for m in office.state.outbox.latest(50) if m[3] == ticket]
    assert [text.split(",")[0] for *_, text in told].count("Halo Siti Aminah") == 2  # Baru, then Siap Diambil
    assert sum("sudah siap diambil" in text for *_, text in told) == 1


@pytest.mark.parametrize("store_kind", ["local"])
def test_two_workers_handling_the_inbox_at_once_answer_each_message_once(settings, wa_api, store_kind):
    app = cloud_app(settings, wa_api)
    office = app.extensions["pondok"]
    now = at("2026-11-27 09:00")
    residents = [f"62813555501{i:02d}" for i in range(20)]
    for i, wa_id in enumerate(residents):
        events = [("wamid.TEST%03d" % i, "message", {"from": wa_id, "timestamp": str(int(now.timestamp())),
                                                      "type": "text", "text": "halo", "reply_id": "",
                                                      "media": False, "name": "Warga"})]
        assert office.state.inbox.add(events, now) == 1
    # The bad moment, forced: the first worker has claimed the inbox and is in the middle of its
    # first send when a second worker (the webhook's inline handling) starts on the same inbox.
    hold = wa_api.hold_next()
    first = threading.Thread(target=process_inbox, args=(office, now))
    first.start()
    try:
        assert hold.reached.wait(10), "the first worker never sent"
        second = process_inbox(office, now, budget=INLINE_BUDGET)
    finally:
        hold.release.set()
        first.join(30)
    assert second == 0  # it left every claimed message to the worker that claimed it
    assert [m.wa_id for m in wa_api.sent] == residents  # one menu each, none twice, in the order they wrote


# -- the 24-hour window ----------------------------------------------------------------------

@pytest.mark.parametrize("store_kind", ["local"])
@pytest.mark.parametrize("after, kind", [(timedelta(hours=23, minutes=59), "text"),
                                         (timedelta(hours=24, minutes=1), "template")])
def test_free_text_inside_the_24_hour_window_and_the_template_after_it(settings, wa_api, store_kind, after, kind):
    app = cloud_app(settings, wa_api)
    office = app.extensions["pondok"]
    ticket = submit(office, "SKD", {**VALID, "wa": RESIDENT_LOCAL}, Channel.FORM, at("2026-11-26 08:00"))
    sync(office, at("2026-11-26 08:00"))
    wrote = at("2026-11-26 09:00")
    office.state.windows.note_inbound("+" + RESIDENT, wrote)  # the resident wrote to the office then
    office.store.update("Permohonan", [_status(ticket, "Siap Diambil")])
    wa_api.sent.clear()
    sync(office, wrote + after)
    (message,) = wa_api.sent
    assert message.type == kind


def _status(ticket, status):
    from pondok_sheets.register.table import CellWrite, RowKey

    return CellWrite(RowKey(ticket=ticket), "Status", status)


# -- never the wrong row ----------------------------------------------------------------------

def test_a_row_staff_delete_disappears_from_every_public_page(office, staff, client):
    keep = submit(office, "SKD", VALID, Channel.FORM)
    gone = submit(office, "SKCK", {**VALID, "nama": "Budi Santoso"}, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    assert client.get(f"/tiket/{gone}").status_code == 200
    row = next(i for i, r in enumerate(staff.rows(), start=2) if r["Tiket"] == gone)
    staff.delete_row(row)
    sync(office, at("2026-11-27 09:05"))
    assert client.get(f"/tiket/{gone}").status_code == 404
    assert client.get(f"/cek?tiket={gone}").status_code == 404
    assert client.get(f"/tiket/{keep}").status_code == 200
    page = client.get("/statistik").get_data(as_text=True)
    assert "Sejak awal: 1 permohonan" in page


def test_two_rows_with_one_ticket_get_nothing_written_and_staff_are_told_where(office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    sync(office, at("2026-11-27 09:00"))
    original = staff.row(ticket)
    staff.add_row({**original, "Status": "Ditolak", "Catatan": "salinan"})  # staff copy-pasted the row
    staff.set_where("Permohonan", "Catatan", "", "Status", "Diproses")  # and changed the first one too
    told_before = len(office.state.outbox.latest(50))
    report = sync(office, at("2026-11-27 09:10"))
    rows = [r for r in staff.rows() if r["Tiket"] == ticket]
    assert [r["Notifikasi"] for r in rows] == [original["Notifikasi"]] * 2  # neither row written
    assert len(office.state.outbox.latest(50)) == told_before  # nobody told Diproses or Ditolak
    assert any(f"Tiket {ticket} ada di 2 baris (baris 2, 3)" in w for w in report.warnings)
    assert f"Tiket {ticket} ada di 2 baris" in report.summary()


def test_two_identical_walk_in_rows_get_nothing_written_and_staff_are_told_where(office, staff):
    walkin = {"Nama": "Rudi Hartono", "NIK": "3201011708800004", "WhatsApp": "0821 9876 5404", "Layanan": "SKCK"}
    staff.add_row(walkin)
    staff.add_row(walkin)  # typed twice at the counter
    report = sync(office, at("2026-11-27 09:00"))
    assert [r["Tiket"] for r in staff.rows()] == ["", ""]
    assert report.walkins == 0 and office.state.outbox.latest(50) == []
    assert any("Baris 2, 3 tab Permohonan sama persis" in w for w in report.warnings)
    staff.delete_row(3)  # staff delete the copy, as the warning asks
    later = sync(office, at("2026-11-27 09:05"))
    (row,) = staff.rows()
    assert later.walkins == 1 and row["Tiket"] and row["Nama"] == "Rudi Hartono"


@pytest.mark.parametrize("store_kind", ["google"])
def test_the_tiket_column_moved_between_read_and_write_gets_no_wrong_cell(office, staff, sheets_api, settings,
                                                                           store_kind):
    tickets = [submit(office, "SKD", {**VALID, "nama": name}, Channel.FORM) for name in ("Ani", "Budi")]
    sync(office, at("2026-11-27 09:00"))
    staff.set(tickets[1], "Status", "Diproses")
    before = {t: staff.row(t) for t in tickets}
    reads = []

    def insert_a_column_at_a(record):
        if record.kind == "read":
            reads.append(record)
            if len(reads) == 2:  # the service read; before it writes, staff insert a column at A
                sheet = sheets_api.sheet_properties(settings.sheet_id, "Permohonan")["sheetId"]
                office.store.call("batch_update", {"requests": [{"insertDimension": {"range": {
                    "sheetId": sheet, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}}]})

    sheets_api.before_request(insert_a_column_at_a)
    try:
        report = sync(office, at("2026-11-27 09:05"))
    finally:
        sheets_api.before_request(None)
    assert not report.ok  # the layout changed under it: nothing written this time
    after = {t: staff.row(t) for t in tickets}
    for ticket in tickets:
        assert {h: v for h, v in after[ticket].items() if h} == {h: v for h, v in before[ticket].items() if h}
    assert sync(office, at("2026-11-27 09:07")).ok
    assert staff.row(tickets[1])["Notifikasi"].startswith("Diproses · dikabari")
    assert staff.row(tickets[0])["Notifikasi"].startswith("Baru · dikabari")


# -- privacy -----------------------------------------------------------------------------------

UNMASKED = re.compile(r"\d{8,}")


@pytest.mark.parametrize("store_kind", ["local"])
def test_every_path_that_writes_to_log_masks_the_number(settings, wa_api, staff, store_kind):
    app = cloud_app(settings, wa_api)
    office = app.extensions["pondok"]
    now = at("2026-11-27 09:00")
    told = submit(office, "SKD", {**VALID, "wa": RESIDENT_LOCAL}, Channel.FORM)
    bad = submit(office, "SKD", {**VALID, "wa": "0813-5555-0001"}, Channel.FORM)
    wa_api.fail_for("+6281355550001", 131026)  # not on WhatsApp: refused at once
    sync(office, now)
    # A send whose answer was lost, later confirmed by WhatsApp's own report.
    office.messenger.client.config = dataclasses.replace(office.messenger.client.config, timeout=0.5)
    wa_api.hang_next(1, seconds=3, after=True)
    office.store.update("Permohonan", [_status(told, "Diproses")])
    sync(office, now + timedelta(minutes=5))
    sent = wa_api.sent[-1]
    update = FakeGraphAPI.status_update(sent.message_id, "delivered", RESIDENT)
    update["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = \
        sent.json["biz_opaque_callback_data"]
    webhook(app, update, wa_api.app_secret)
    sync(office, now + timedelta(minutes=7))
    # A free text Meta reports undelivered because the window closed: resent as the template.
    office.messenger.client.config = dataclasses.replace(office.messenger.client.config, timeout=10)
    office.state.windows.note_inbound("+" + RESIDENT, now + timedelta(minutes=8))
    office.store.update("Permohonan", [_status(told, "Siap Diambil")])
    sync(office, now + timedelta(minutes=10))
    text = wa_api.sent[-1]
    assert text.type == "text"
    webhook(app, FakeGraphAPI.status_update(text.message_id, "failed", RESIDENT, error_code=131047),
            wa_api.app_secret)
    sync(office, now + timedelta(minutes=12))
    sync(office, now + timedelta(minutes=14))
    results = {row["Hasil"] for row in staff.rows("Log")}
    assert {"terkirim (dipastikan dari laporan WhatsApp)", "terkirim ulang sebagai template"} <= results
    assert any(r.startswith("gagal") for r in results) and bad
    for row in staff.rows("Log"):
        assert not UNMASKED.search(re.sub(r"[\s\-.+]", "", row["Kepada"])), row


@pytest.mark.parametrize("store_kind", ["local"])
def test_after_the_keeping_time_local_state_holds_no_nik_number_or_chat_text(settings, wa_api, clock, store_kind):
    app = cloud_app(settings, wa_api, clock)
    office = app.extensions["pondok"]
    now = clock.moment = at("2026-11-27 09:00")  # the chat's replies are stamped on the same day
    submit(office, "SKD", {**VALID, "wa": RESIDENT_LOCAL}, Channel.FORM, now)
    stamp = int(now.timestamp())
    for i, text in enumerate(["halo", "1", "Rahmat Hidayat", "3201010203850002"]):  # a chat half-way a filing
        webhook(app, FakeGraphAPI.inbound_text("6281355550009", text, timestamp=stamp + i), wa_api.app_secret)
    sync(office, now)
    office.state.purge(now + timedelta(days=8))
    secrets = [b"3201014507900001", b"3201010203850002", b"81355550000", b"81355550009", b"Rahmat Hidayat"]
    files = list(settings.data_dir.glob("state.sqlite3*"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert not [s for s in secrets if s in data], path


# -- tickets the code actually issues ------------------------------------------------------------

def test_issued_tickets_use_the_codes_alphabet_and_length(office):
    tickets = [submit(office, "SKD", VALID, Channel.FORM) for _ in range(50)]
    prefix = office.settings.ticket_prefix
    assert len(set(tickets)) == 50
    for ticket in tickets:
        head, _, code = ticket.partition("-")
        assert head == prefix and len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set(ALPHABET) & set("01OIL") and len(ALPHABET) ** CODE_LENGTH >= 2 ** 30
