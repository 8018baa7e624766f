"""The corpus of Meta-shaped webhook bodies, replayed signed over real HTTP against `serve`, each twice.

For every body: what each resident receives (or that nothing is sent), no second reply when Meta
redelivers it, and never a 5xx.
"""
from __future__ import annotations

import json
import time

import pytest

from pondok_sheets.flow.dispatch import UNREADABLE_REPLY, VOICE_REPLY
from pondok_sheets.whatsapp.event_types import Message
from pondok_sheets.whatsapp.events import parse_body

from . import webhook_corpus as corpus
from .whatsapp_server import Server, cloud_env, office_graph_api, settle

SITI, BUDI, RINA, AGUS, DEWI = "6281234567801", "6281234567802", "6281234567803", "6281234567804", "6281234567805"
WULAN = "ID.1502576394655843"
MENU = "Balas dengan nomor layanan"
DOCUMENTS = "Dokumen tidak perlu dikirim lewat WhatsApp"
UNKNOWN_TICKET = "belum kami temukan"
FOREIGN = "hanya menerima permohonan dari nomor HP Indonesia (+62)"
VOICE, UNREADABLE = VOICE_REPLY[:40], UNREADABLE_REPLY[:40]

# What each resident receives for each body, after a BATAL from each sender put them at the start.
EXPECTED: dict[str, dict[str, str]] = {
    "envelope_several_changes": {RINA: MENU},
    "envelope_several_entries": {SITI: "Surat Keterangan Domisili", BUDI: "Anda memilih"},
    "message_audio_file": {DEWI: VOICE},
    "message_audio_voice": {DEWI: VOICE},
    "message_batch_three_residents": {SITI: MENU, BUDI: "Surat Keterangan Domisili", RINA: UNKNOWN_TICKET},
    "message_button_template_reply": {BUDI: UNKNOWN_TICKET},
    "message_contacts": {BUDI: UNREADABLE},
    "message_document": {RINA: DOCUMENTS},
    "message_document_caption": {RINA: DOCUMENTS},
    "message_edit_caption": {},  # edits of a message the office never saw: ignored
    "message_edit_text": {},
    "message_foreign_malaysia": {"60123456789": FOREIGN},
    "message_foreign_saudi": {"966501234567": FOREIGN},
    "message_foreign_taiwan": {"886912345678": FOREIGN},
    "message_image": {BUDI: DOCUMENTS},
    "message_image_caption": {BUDI: UNKNOWN_TICKET},  # "CEK PDK-7K3QM9" under a photo is a CEK
    "message_interactive_button_reply": {SITI: MENU},
    "message_interactive_flow_reply": {SITI: UNREADABLE},
    "message_interactive_list_reply": {SITI: "Surat Keterangan Tidak Mampu"},
    "message_interactive_with_value_error": {SITI: UNREADABLE},
    "message_location": {AGUS: UNREADABLE},
    "message_location_named": {AGUS: UNREADABLE},
    "message_order": {RINA: UNREADABLE},
    "message_other_phone_number_id": {},
    "message_reaction": {},
    "message_request_welcome": {},
    "message_revoke": {},
    "message_sticker": {SITI: UNREADABLE},
    "message_system_changed_number": {},
    "message_system_changed_number_new_wa_id": {},
    "message_system_identity_changed": {},
    "message_system_user_id_changed": {},
    "message_text": {SITI: MENU},
    "message_text_cek_ticket": {BUDI: UNKNOWN_TICKET},
    "message_text_forwarded": {RINA: MENU},
    "message_text_reply_context": {SITI: MENU},
    "message_unreaction": {},
    "message_unsupported": {RINA: UNREADABLE},
    "message_unknown_type": {AGUS: UNREADABLE},  # a type Meta may add later (here "poll"): step kept
    "message_username_only": {WULAN: MENU},
    "message_username_with_phone": {"6281234567806": UNKNOWN_TICKET},  # a username user who shares the number
    "message_video": {AGUS: DOCUMENTS},
    "message_video_caption": {AGUS: DOCUMENTS},  # "Status PDK-…" is no command: the documents reply
}


def _senders(raw: bytes) -> list[Message]:
    """The messages of a body that this office answers (its own number, Indonesian senders)."""
    return [e for e in parse_body(raw) if isinstance(e, Message) and e.phone_number_id == corpus.OUR_PHONE_NUMBER_ID
            and e.sender.is_indonesian and e.kind in {"text", "reply", "media", "edit"}]


def _batal(message: Message, n: str) -> bytes:
    """A BATAL typed by the same sender, so each body starts at the beginning of a conversation."""
    sender = message.sender
    contact = {"profile": {"name": sender.name or "Warga"}, **({"wa_id": sender.phone} if sender.phone else {}),
               **({"user_id": sender.user_id} if sender.user_id else {})}
    body = {"from": sender.phone} if sender.phone else {}
    if sender.user_id:
        body["from_user_id"] = sender.user_id
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102938475610293", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6285200001234", "phone_number_id": corpus.OUR_PHONE_NUMBER_ID},
            "contacts": [contact], "messages": [{**body, "id": f"wamid.BATAL{n}", "timestamp": str(int(time.time())),
                                                 "type": "text", "text": {"body": "BATAL"}}]}}]}]}).encode()


def _address(to: str) -> str:
    return to.lstrip("+")


@pytest.fixture(scope="module")
def office_server(tmp_path_factory):
    with office_graph_api() as wa_api:
        wa_api.add_template("status_permohonan", "id", 5)
        server = Server(cloud_env(wa_api, tmp_path_factory.mktemp("corpus") / "data"))
        try:
            yield server, wa_api
        finally:
            log = server.stop()
            assert "Traceback" not in log, log[-3000:]
            assert "3201014507900001" not in log


def test_the_corpus_has_at_least_40_distinct_bodies_and_every_one_is_expected():
    bodies = {corpus.raw(name) for name in corpus.names()}
    assert len(bodies) >= 40
    messages = [n for n in corpus.names() if n.startswith(("message_", "envelope_"))]
    assert sorted(EXPECTED) == messages


def test_every_body_replayed_twice_gets_what_the_resident_should_see_and_no_second_reply(office_server):
    server, wa_api = office_server
    seen: dict[str, dict[str, list[str]]] = {}
    for n, name in enumerate(corpus.names()):
        raw = corpus.raw(name)
        senders = {m.sender.address: m for m in _senders(raw)}
        before = len(wa_api.sent)
        for i, sender in enumerate(senders.values()):
            assert server.post(_batal(sender, f"{n:03d}{i}")) == 200
        settle(wa_api, before + len(senders), quiet=0.1)
        before = len(wa_api.sent)
        assert server.post(raw) == 200, name
        assert server.post(raw) == 200, name  # Meta redelivers the same body: no second reply may follow
        settle(wa_api, before + len(EXPECTED.get(name, {})))
        got: dict[str, list[str]] = {}
        for message in wa_api.sent[before:]:
            body = message.text or json.dumps(message.json.get("interactive", {}), ensure_ascii=False)
            got.setdefault(_address(message.to), []).append(body)
        seen[name] = got
    wrong = {name: (EXPECTED.get(name, {}), got) for name, got in seen.items()
             if sorted(got) != sorted(EXPECTED.get(name, {}))
             or any(len(texts) != 1 or EXPECTED[name][who] not in texts[0] for who, texts in got.items())}
    assert wrong == {}, json.dumps(wrong, indent=1, ensure_ascii=False)[:6000]
    assert all(r.status is not None and r.status < 500 for r in wa_api.requests)


def test_a_username_user_is_answered_by_user_id(office_server):
    server, wa_api = office_server
    to_wulan = [m for m in wa_api.sent if m.to == WULAN]
    assert to_wulan and all("recipient" in m.json and "to" not in m.json for m in to_wulan)
