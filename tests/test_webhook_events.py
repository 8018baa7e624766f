"""The typed webhook parser against the corpus of Meta-shaped bodies, and against garbage."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pondok_sheets.whatsapp.event_types import (
    MESSAGE_KINDS,
    AccountEvent,
    ErrorEvent,
    Malformed,
    Message,
    OtherField,
    Status,
    TemplateEvent,
    event_from_dict,
)
from pondok_sheets.whatsapp.events import is_webhook, parse, parse_body
from pondok_sheets.whatsapp.webhook import signature_ok

from . import webhook_corpus as corpus

SITI, BUDI, RINA, AGUS, DEWI = "6281234567801", "6281234567802", "6281234567803", "6281234567804", "6281234567805"
WULAN = "ID.1502576394655843"


def m(kind: str, who: str, text: str = "", **fields: Any) -> tuple:
    """A message we expect: its kind, who sent it (phone, or BSUID if no phone), the text to act on."""
    return ("message", kind, who, text, fields)


def s(state: str, who: str | None, *codes: int, **fields: Any) -> tuple:
    """A status we expect: its state, the recipient and the error codes."""
    return ("status", state, who, codes, fields)


def other(cls: type, **fields: Any) -> tuple:
    """Any other event, by class and a few of its fields."""
    return (cls.__name__, fields)


EXPECTED: dict[str, list[tuple]] = {
    "message_text": [m("text", SITI, "halo", reply_id="")],
    "message_text_cek_ticket": [m("text", BUDI, "CEK PDK-7K3QM9")],
    "message_text_reply_context": [m("text", SITI, "Kapan bisa diambil, Pak?",
                                     context_id="wamid.HBgNNjI4MTIzNDU2NzgwMRUCABEYEjJBNEU3QjlDMUQ2RjBFM0E1QgA=")],
    "message_text_forwarded": [m("text", RINA, "Syarat SKTM apa saja?")],
    "message_reaction": [m("reaction", SITI, "\U0001F44D",
                           target_id="wamid.HBgNNjI4MTIzNDU2NzgwMRUCABEYEjJBNEU3QjlDMUQ2RjBFM0E1QgA=")],
    "message_unreaction": [m("reaction", SITI, "")],
    "message_image": [m("media", BUDI, "", type="image")],
    "message_image_caption": [m("media", BUDI, "CEK PDK-7K3QM9", type="image")],
    "message_document": [m("media", RINA, "", type="document")],
    "message_document_caption": [m("media", RINA, "ini KK saya untuk SKTM", type="document")],
    "message_video": [m("media", AGUS, "", type="video")],
    "message_video_caption": [m("media", AGUS, "Status PDK-H4XW2R", type="video")],
    "message_audio_voice": [m("voice", DEWI, "", type="audio")],
    "message_audio_file": [m("voice", DEWI, "", type="audio")],
    "message_sticker": [m("sticker", SITI)],
    "message_location": [m("location", AGUS)],
    "message_location_named": [m("location", AGUS)],
    "message_contacts": [m("contacts", BUDI)],
    "message_interactive_button_reply": [m("reply", SITI, "YA", reply_id="ya")],
    "message_interactive_list_reply": [m("reply", SITI, "SKTM", reply_id="layanan:SKTM")],
    "message_interactive_flow_reply": [m("unknown", SITI, "")],
    "message_button_template_reply": [m("reply", BUDI, "Cek status", reply_id="cek_status", type="button")],
    "message_order": [m("order", RINA, "pesan 2")],
    "message_system_changed_number": [m("number_changed", AGUS,
                                        "User Agus changed from 6281234567804 to 6281234567899",
                                        old_phone=AGUS, new_phone="6281234567899",
                                        old_user_id="ID.9000000000000000004", new_user_id="ID.9000000000000000044")],
    "message_system_changed_number_new_wa_id": [m("number_changed", DEWI,
                                                  "Dewi changed from 6281234567805 to 6285712345605",
                                                  old_phone=DEWI, new_phone="6285712345605")],
    "message_system_user_id_changed": [m("number_changed", "ID.9000000000000000001",
                                         "User changed from ID.9000000000000000001 to ID.9000000000000000002",
                                         old_user_id="ID.9000000000000000001",
                                         new_user_id="ID.9000000000000000002")],
    "message_system_identity_changed": [m("system_other", BUDI, "User identity changed")],
    "message_unsupported": [m("unsupported", RINA, "")],
    "message_unknown_type": [m("unknown", AGUS, "")],  # a top-level type no reader knows yet
    "message_request_welcome": [m("request_welcome", DEWI)],
    "message_edit_text": [m("edit", SITI, "Siti Aminah",
                            target_id="wamid.HBgNNjI4MTIzNDU2NzgwMRUCABIYFkVESVRPUklHSU5BTDAwMQA=")],
    "message_edit_caption": [m("edit", BUDI, "CEK PDK-7K3QM9",
                               target_id="wamid.HBgNNjI4MTIzNDU2NzgwMhUCABIYFkVESVRPUklHSU5BTDAwMgA=")],
    "message_revoke": [m("revoke", SITI, "", target_id="wamid.HBgNNjI4MTIzNDU2NzgwMRUCABIYFlJFVk9LRU9SSUdJTkFMMDEA")],
    "message_username_only": [m("text", WULAN, "halo, mau buat surat domisili")],
    "message_username_with_phone": [m("text", "6281234567806", "CEK PDK-M7QZ3K")],
    "message_foreign_malaysia": [m("text", "60123456789", "halo, saya TKI di Johor")],
    "message_foreign_taiwan": [m("text", "886912345678", "mau buat surat pengantar")],
    "message_foreign_saudi": [m("text", "966501234567", "assalamualaikum, cek tiket")],
    "message_other_phone_number_id": [m("text", SITI, "halo desa sebelah",
                                        phone_number_id=corpus.OTHER_PHONE_NUMBER_ID)],
    "message_batch_three_residents": [m("text", SITI, "halo"), m("text", BUDI, "1"), m("text", RINA, "CEK PDK-H4XW2R")],
    "message_interactive_with_value_error": [m("unknown", SITI), other(ErrorEvent)],
    "status_sent": [s("sent", SITI, recipient_user_id="ID.1502576394650001", pricing_category="utility")],
    "status_delivered": [s("delivered", SITI)],
    "status_read": [s("read", SITI)],
    "status_sent_with_ref": [s("sent", BUDI, ref="PDK-7K3QM9:Siap Diambil")],
    "status_failed_131026": [s("failed", AGUS, 131026)],
    "status_failed_131047": [s("failed", SITI, 131047)],
    "status_failed_131049": [s("failed", BUDI, 131049)],
    "status_failed_131050": [s("failed", RINA, 131050)],
    "status_failed_131051": [s("failed", DEWI, 131051)],
    "status_failed_130472": [s("failed", AGUS, 130472)],
    "status_username_recipient": [s("delivered", None, recipient_user_id=WULAN)],
    "status_batch_mixed": [s("delivered", BUDI, ref="PDK-7K3QM9:Siap Diambil"),
                           s("read", BUDI, ref="PDK-7K3QM9:Siap Diambil"), s("failed", RINA, 131026)],
    "envelope_several_entries": [m("text", SITI, "1"), m("text", BUDI, "2")],
    "envelope_several_changes": [m("text", RINA, "halo"), s("sent", RINA),
                                 other(TemplateEvent, event="APPROVED", name="status_permohonan")],
    "account_update_restriction": [other(AccountEvent, event="ACCOUNT_RESTRICTION", endangers_sending=True,
                                         restrictions=("RESTRICTED_BIZ_INITIATED_MESSAGING",
                                                       "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"))],
    "account_update_disabled": [other(AccountEvent, event="DISABLED_UPDATE", ban_state="DISABLE", endangers_sending=True)],
    "account_update_reinstated": [other(AccountEvent, event="DISABLED_UPDATE", endangers_sending=False)],
    "account_update_violation": [other(AccountEvent, event="ACCOUNT_VIOLATION", violation="SCAM",
                                       endangers_sending=True)],
    "template_status_approved": [other(TemplateEvent, event="APPROVED", reason="", endangers_sending=False)],
    "template_status_rejected": [other(TemplateEvent, event="REJECTED", name="ringkasan_pagi",
                                       reason="INVALID_FORMAT", endangers_sending=True)],
    "template_status_paused": [other(TemplateEvent, event="PAUSED", reason="FIRST_PAUSE", endangers_sending=True)],
    "template_category_update": [other(TemplateEvent, field="template_category_update", new_category="MARKETING",
                                       previous_category="UTILITY", template_id="998877665544332",
                                       endangers_sending=True)],
    "value_errors_130429": [other(ErrorEvent, phone_number_id=corpus.OUR_PHONE_NUMBER_ID)],
    "field_phone_number_quality_update": [other(OtherField, field="phone_number_quality_update")],
}


def test_the_corpus_is_large_and_every_body_is_described():
    assert len(corpus.names()) >= 45
    assert sorted(EXPECTED) == corpus.names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_body_parses_to_the_events_a_resident_or_staff_member_would_expect(name):
    events = parse(corpus.load(name))
    assert len(events) == len(EXPECTED[name]), events
    for event, expected in zip(events, EXPECTED[name]):
        if expected[0] == "message":
            _, kind, who, text, fields = expected
            assert isinstance(event, Message)
            assert (event.kind, event.sender.address, event.text) == (kind, who, text)
            fields = {"phone_number_id": corpus.OUR_PHONE_NUMBER_ID, **fields}
        elif expected[0] == "status":
            _, state, who, codes, fields = expected
            assert isinstance(event, Status)
            assert (event.status, event.recipient, event.error_codes) == (state, who, codes)
            assert event.dedup_id == f"{event.id}:{state}"
            fields = {"phone_number_id": corpus.OUR_PHONE_NUMBER_ID, **fields}
        else:
            assert type(event).__name__ == expected[0]
            fields = expected[1]
        for key, value in fields.items():
            assert getattr(event, key) == value, key


def _message_ids(body: dict) -> list[str]:
    return [msg["id"] for entry in body["entry"] for change in entry["changes"]
            for msg in change["value"].get("messages", []) if change["field"] == "messages"]


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n.startswith(("message_", "envelope_"))])
def test_messages_keep_metas_wamid_as_their_dedup_id(name):
    body = corpus.load(name)
    parsed = [e.dedup_id for e in parse(body) if isinstance(e, Message)]
    assert parsed == _message_ids(body)


def test_the_corpus_covers_every_kind_the_chat_dispatches_on():
    kinds = {e.kind for body in corpus.load_all().values() for e in parse(body) if isinstance(e, Message)}
    assert kinds == MESSAGE_KINDS


def test_no_two_events_in_the_corpus_share_a_dedup_id():
    ids = [e.dedup_id for body in corpus.load_all().values() for e in parse(body)]
    assert len(ids) == len(set(ids))


def test_a_redelivered_body_gives_the_same_dedup_ids_even_with_keys_reordered():
    for name in ("account_update_restriction", "template_status_paused", "value_errors_130429",
                 "field_phone_number_quality_update"):
        body = corpus.load(name)
        reordered = json.loads(json.dumps(body, sort_keys=True))
        assert [e.dedup_id for e in parse(reordered)] == [e.dedup_id for e in parse(body)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_event_survives_the_inbox_round_trip(name):
    for event in parse(corpus.load(name)):
        stored = json.loads(json.dumps(event.to_dict()))
        assert event_from_dict(stored) == event
        assert type(event).from_dict(stored) == event


def test_username_only_sender_is_reached_by_user_id_and_foreign_numbers_are_told_apart():
    wulan = parse(corpus.load("message_username_only"))[0]
    assert (wulan.sender.phone, wulan.sender.user_id, wulan.sender.username) == (None, WULAN, "wulan.sukamaju")
    assert wulan.sender.name == "Wulan" and wulan.sender.is_indonesian
    hendra = parse(corpus.load("message_username_with_phone"))[0]
    assert hendra.sender.address == "6281234567806" and hendra.sender.user_id == "ID.1502576394655877"
    for name in ("message_foreign_malaysia", "message_foreign_taiwan", "message_foreign_saudi"):
        assert not parse(corpus.load(name))[0].sender.is_indonesian
    assert parse(corpus.load("message_text"))[0].sender.is_indonesian


def test_failed_status_carries_metas_details_for_the_notifikasi_cell():
    status = parse(corpus.load("status_failed_131026"))[0]
    assert status.errors[0].code == 131026 and status.errors[0].details == "Message Undeliverable."
    unsupported = parse(corpus.load("message_unsupported"))[0]
    assert unsupported.errors[0].code == 131051


def test_value_level_throughput_error_is_its_own_event():
    event = parse(corpus.load("value_errors_130429"))[0]
    assert isinstance(event, ErrorEvent) and event.errors[0].code == 130429
    assert "throughput" in event.errors[0].details


def test_the_corpus_helper_signs_bodies_as_the_webhook_verifies_them():
    body = corpus.raw("message_text")
    header = corpus.signed_headers("rahasia-aplikasi", body)["X-Hub-Signature-256"]
    assert signature_ok("rahasia-aplikasi", body, header)
    assert not signature_ok("rahasia-lain", body, header)
    assert not signature_ok("rahasia-aplikasi", body + b" ", header)


GARBAGE: list[Any] = [
    None, 0, 1.5, True, "halo", [], [1, 2], {}, {"object": "page"}, {"object": "whatsapp_business_account"},
    {"object": "whatsapp_business_account", "entry": {}}, {"object": "whatsapp_business_account", "entry": [None]},
    {"object": "whatsapp_business_account", "entry": [{"changes": "x"}]},
    {"object": "whatsapp_business_account", "entry": [{"changes": [None, 3, {"field": 1}, {"field": "messages"}]}]},
    {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [None, {"id": 5}, {"id": "wamid.A"}, {"id": "wamid.B", "from": ["x"], "type": "text"}],
        "statuses": {"id": "x"}, "contacts": "nobody", "metadata": []}}]}]},
    {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [{"id": "wamid.C", "from": SITI, "type": "text", "text": "not an object"},
                     {"id": "wamid.D", "from": SITI, "type": "edit", "edit": {"message": "x"}},
                     {"id": "wamid.E", "from": SITI, "type": "system", "system": None},
                     {"id": "wamid.F", "from": SITI, "type": ["text"]}],
        "statuses": [{"id": "wamid.G", "status": "failed", "errors": [None, {"code": "131026"}, {"code": True}]}]}}]}]},
    {"object": "whatsapp_business_account", "entry": [{"changes": [
        {"field": "account_update", "value": {"restriction_info": "x"}},
        {"field": "message_template_status_update", "value": {"event": None}},
        {"field": "template_category_update", "value": {"new_category": 3}}]}]},
]


@pytest.mark.parametrize("payload", GARBAGE, ids=range(len(GARBAGE)))
def test_wrong_types_and_missing_keys_give_malformed_events_never_an_exception(payload):
    events = parse(payload)
    assert events, "a body we cannot use must still be accounted for"
    for event in events:
        assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event
    usable = [e for e in events if isinstance(e, Message)]
    assert all(e.sender.address for e in usable)


def test_a_message_without_any_sender_is_malformed_not_answered():
    body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [{"id": "wamid.X", "type": "text", "text": {"body": "halo"}}]}}]}]}
    assert isinstance(parse(body)[0], Malformed)


def test_a_body_that_is_not_json_is_one_malformed_event():
    assert [type(e) for e in parse_body(b"\xff{not json")] == [Malformed]
    assert [type(e) for e in parse_body(corpus.raw("message_batch_three_residents"))] == [Message] * 3


def test_only_a_body_that_is_no_webhook_at_all_is_refused():
    assert not is_webhook(parse_body(b"<html>"))
    assert not is_webhook(parse({"object": "page", "entry": []}))
    assert not is_webhook(parse({"object": "whatsapp_business_account"}))
    assert is_webhook(parse({"object": "whatsapp_business_account", "entry": [None]}))
    assert is_webhook(parse_body(corpus.raw("status_failed_131026")))
    assert is_webhook(parse_body(corpus.raw("field_phone_number_quality_update")))


def test_one_bad_change_does_not_hide_the_good_one_beside_it():
    good = corpus.load("message_text")["entry"][0]["changes"][0]
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": ["junk", good]}]}
    assert [type(e) for e in parse(body)] == [Malformed, Message]


def test_stored_dicts_that_are_broken_read_back_as_malformed():
    for data in (None, {}, {"event_type": "nope"}, {"event_type": "message", "id": "x"},
                 {"event_type": "status", "id": "x", "status": "sent", "recipient": None, "phone_number_id": "1",
                  "errors": ["bad"]}):
        assert isinstance(event_from_dict(data), Malformed)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["object", "entry", "changes", "field", "value", "messages", "statuses", "id", "from",
                         "type", "text", "body", "errors", "code", "metadata", "contacts", "system", "edit"]),
        children, max_size=5),
    max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_never_raises(value):
    for payload in (value, {"object": "whatsapp_business_account", "entry": value},
                    {"object": "whatsapp_business_account", "entry": [{"changes": value}]},
                    {"object": "whatsapp_business_account",
                     "entry": [{"changes": [{"field": "messages", "value": {"messages": value, "statuses": value}}]}]}):
        for event in parse(payload):
            assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.extend(_paths(child, (*path, key)))
    return found


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


def test_real_bodies_with_parts_swapped_for_wrong_types_never_raise():
    import random
    rnd = random.Random(12)
    bodies = list(corpus.load_all().values())
    wrong = [None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"a": 1}, [{"id": "q"}]]
    for _ in range(1500):
        body = json.loads(json.dumps(rnd.choice(bodies)))
        for path in rnd.sample(_paths(body)[1:], 2):
            parent: Any = body
            for key in path[:-1]:  # the first swap may have cut this path short
                parent = parent[key] if _has(parent, key) else None
            if _has(parent, path[-1]):
                parent[path[-1]] = rnd.choice(wrong)
        for event in parse(body):
            assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event
            if isinstance(event, Message):
                assert event.id and event.sender.address


def test_a_deeply_nested_edit_is_malformed_not_a_crash():
    inner: dict = {"type": "text", "text": {"body": "x"}}
    for _ in range(5000):
        inner = {"type": "edit", "edit": {"message": inner}}
    body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [{"id": "wamid.N", "from": SITI, **inner}]}}]}]}
    assert [type(e) for e in parse(body)] == [Malformed]
