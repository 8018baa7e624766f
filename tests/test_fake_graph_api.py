"""The fake WhatsApp Cloud API behaves like Meta's, as seen through plain ``requests``
(nothing here talks to the fake except over HTTP, apart from the test-side
controls and webhook helpers the fake offers)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.graph_api import ERRORS, MAX_TEXT_BODY, FakeGraphAPI

RESIDENT = "6281234567801"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI() as api:
        yield api


@pytest.fixture
def wa(server: FakeGraphAPI) -> Iterator[FakeGraphAPI]:
    server.reset()
    server.add_template("status_permohonan", "id", 5)
    yield server
    assert server.errors == []


def auth(api: FakeGraphAPI) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


def post(api: FakeGraphAPI, body: Any, *, token: str | None = None, url: str | None = None, timeout: float = 5) -> requests.Response:
    headers = {"Authorization": f"Bearer {token if token is not None else api.token}"}
    return requests.post(url or api.messages_url, json=body, headers=headers, timeout=timeout)


def text_body(to: str = RESIDENT, text: str = "Permohonan PDK-7K3QM9 siap diambil.", **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": text, "preview_url": False}, **extra}


def template_body(to: str = RESIDENT, params: list[Any] | None = None, name: str = "status_permohonan",
                  lang: str = "id") -> dict[str, Any]:
    values = params if params is not None else ["Siti", "PDK-7K3QM9", "SKTM", "Siap Diambil", "-"]
    parameters = [v if isinstance(v, dict) else {"type": "text", "text": v} for v in values]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
            "template": {"name": name, "language": {"code": lang},
                         "components": [{"type": "body", "parameters": parameters}]}}


def assert_meta_error(resp: requests.Response, status: int, code: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    error = resp.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["type"] in ("OAuthException", "GraphMethodException")
    assert error["fbtrace_id"].startswith("A")
    return error


# -- success -------------------------------------------------------------------------------


def test_text_send_returns_meta_success_shape_and_is_recorded(wa: FakeGraphAPI) -> None:
    resp = post(wa, text_body())
    assert resp.status_code == 200
    data = resp.json()
    assert data["messaging_product"] == "whatsapp"
    assert data["contacts"] == [{"input": RESIDENT, "wa_id": RESIDENT}]
    (message,) = data["messages"]
    assert message["id"].startswith("wamid.")
    assert "message_status" not in message
    (sent,) = wa.sent
    assert (sent.to, sent.type, sent.text, sent.preview_url) == (RESIDENT, "text", text_body()["text"]["body"], False)
    assert sent.message_id == message["id"]
    assert wa.requests[-1].status == 200 and wa.requests[-1].message_id == message["id"]


def test_plus_prefix_is_accepted_and_echoed_as_input(wa: FakeGraphAPI) -> None:
    resp = post(wa, text_body(to="+" + RESIDENT))
    assert resp.json()["contacts"] == [{"input": "+" + RESIDENT, "wa_id": RESIDENT}]
    assert wa.sent[0].wa_id == RESIDENT


def test_template_send_records_name_language_and_parameters(wa: FakeGraphAPI) -> None:
    resp = post(wa, template_body())
    assert resp.status_code == 200
    assert resp.json()["messages"][0]["message_status"] == "accepted"
    (sent,) = wa.sent
    assert (sent.type, sent.template, sent.language) == ("template", "status_permohonan", "id")
    assert sent.parameters == ["Siti", "PDK-7K3QM9", "SKTM", "Siap Diambil", "-"]


def test_message_ids_are_unique_and_any_version_is_accepted(wa: FakeGraphAPI) -> None:
    urls = [wa.messages_url, f"{wa.origin}/v26.0/{wa.phone_number_id}/messages",
            f"{wa.origin}/{wa.phone_number_id}/messages"]
    ids = {post(wa, text_body(), url=url).json()["messages"][0]["id"] for url in urls for _ in range(3)}
    assert len(ids) == 9
    assert [r.version for r in wa.requests[:7:3]] == ["v21.0", "v26.0", None]


def test_access_token_query_parameter_is_accepted_like_graph(wa: FakeGraphAPI) -> None:
    resp = requests.post(wa.messages_url, params={"access_token": wa.token}, json=text_body(), timeout=5)
    assert resp.status_code == 200


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"}])
def test_missing_or_wrong_token_is_401_code_190(wa: FakeGraphAPI, headers: dict[str, str]) -> None:
    resp = requests.post(wa.messages_url, json=text_body(), headers=headers, timeout=5)
    error = assert_meta_error(resp, 401, 190)
    assert error["type"] == "OAuthException"
    assert "error_data" not in error
    assert resp.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    assert wa.sent == [] and wa.requests[-1].status == 401 and wa.requests[-1].error_code == 190


def test_unknown_phone_number_id_is_graph_method_exception(wa: FakeGraphAPI) -> None:
    resp = post(wa, text_body(), url=f"{wa.base_url}/999/messages")
    error = assert_meta_error(resp, 400, 100)
    assert error["type"] == "GraphMethodException" and error["error_subcode"] == 33
    assert "Object with ID '999' does not exist" in error["message"]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda b: b.pop("messaging_product"), "messaging_product is required"),
        (lambda b: b.update(messaging_product="sms"), "Param messaging_product must be one of"),
        (lambda b: b.pop("to"), "to is required"),
        (lambda b: b.update(to="0812-3456-7801"), "Invalid parameter"),
        (lambda b: b.update(to="0062812345678"), "Invalid parameter"),
        (lambda b: b.update(to="+62 812 3456"), "Invalid parameter"),
        (lambda b: b.update(to="08123456780"), "Invalid parameter"),
        (lambda b: b.update(text={"body": ""}), "text['body'] is required"),
        (lambda b: b.update(text={"body": "x" * (MAX_TEXT_BODY + 1)}), "Invalid parameter"),
        (lambda b: b.update(type="fax"), "Invalid parameter"),
    ],
)
def test_invalid_requests_are_code_100(wa: FakeGraphAPI, mutate: Any, fragment: str) -> None:
    body = text_body()
    mutate(body)
    error = assert_meta_error(post(wa, body), 400, 100)
    assert fragment in error["message"] + " " + error["error_data"]["details"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert wa.sent == []


def test_text_of_exactly_4096_characters_is_accepted(wa: FakeGraphAPI) -> None:
    assert post(wa, text_body(text="é" * MAX_TEXT_BODY)).status_code == 200


def test_body_without_json_content_type_has_no_parameters(wa: FakeGraphAPI) -> None:
    resp = requests.post(wa.messages_url, data=json.dumps(text_body()), headers=auth(wa), timeout=5)
    assert "messaging_product is required" in assert_meta_error(resp, 400, 100)["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (template_body(name="tidak_ada"), 404, 132001),
        (template_body(lang="en_US"), 404, 132001),
        (template_body(params=["Siti", "PDK-7K3QM9"]), 400, 132000),
        (template_body(params=["Siti", "A", "B", "C", "D", "E"]), 400, 132000),
        (template_body(params=["Siti", "A", "B", "C", {"type": "currency", "currency": {}}]), 400, 132012),
        (template_body(params=["Siti", "A", "B", "C", "baris satu\nbaris dua"]), 400, 100),
        (template_body(params=["Siti", "A", "B", "C", "tab\tdi sini"]), 400, 100),
        (template_body(params=["Siti", "A", "B", "C", "lima     spasi"]), 400, 100),
        (template_body(params=["Siti", "A", "B", "C", ""]), 400, 131008),
    ],
)
def test_template_errors(wa: FakeGraphAPI, body: dict[str, Any], status: int, code: int) -> None:
    assert_meta_error(post(wa, body), status, code)
    assert wa.sent == []


def test_template_needs_name_and_language(wa: FakeGraphAPI) -> None:
    body = template_body()
    del body["template"]["language"]
    assert "language" in assert_meta_error(post(wa, body), 400, 100)["message"]
    body = template_body()
    del body["template"]["name"]
    assert "name" in assert_meta_error(post(wa, body), 400, 100)["message"]


def test_four_spaces_in_a_parameter_are_fine(wa: FakeGraphAPI) -> None:
    assert post(wa, template_body(params=["Siti", "A", "B", "C", "empat    spasi"])).status_code == 200


# -- fault injection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [(131000, 500), (131016, 503), (130429, 400), (131056, 400), (131048, 400), (80007, 400), (4, 400),
     (190, 401), (368, 403), (131026, 400), (131047, 400), (131030, 400), (132001, 404)],
)
def test_fail_next_answers_meta_error_with_default_status(wa: FakeGraphAPI, code: int, status: int) -> None:
    wa.fail_next(code=code)
    error = assert_meta_error(post(wa, text_body()), status, code)
    assert error["message"].startswith(f"(#{code})") or code == 190
    if code != 190:
        assert error["error_data"] == {"messaging_product": "whatsapp", "details": ERRORS[code].details}
    assert "error_subcode" not in error
    assert wa.sent == []
    assert post(wa, text_body()).status_code == 200  # only the next one
    assert len(wa.sent) == 1


def test_fail_next_counts_and_overrides(wa: FakeGraphAPI) -> None:
    wa.fail_next(2, code=130429, http_status=429, message="(#130429) Rate limit hit", subcode=2494055)
    first, second, third = (post(wa, text_body()) for _ in range(3))
    error = assert_meta_error(first, 429, 130429)
    assert error["error_subcode"] == 2494055
    assert second.status_code == 429 and third.status_code == 200
    assert [r.status for r in wa.requests] == [429, 429, 200]


def test_error_table_classifies_retry_and_permanent() -> None:
    retry = {c for c, s in ERRORS.items() if s.retryable}
    assert {131000, 131016, 130429, 131056, 80007, 4, 131048}.issubset(retry)
    assert retry.isdisjoint({0, 190, 100, 131026, 131047, 131030, 132000, 132001, 132012, 368})


def test_fail_for_recipient(wa: FakeGraphAPI) -> None:
    other = "6281234567802"
    wa.fail_for("+" + RESIDENT, 131026)
    assert_meta_error(post(wa, text_body()), 400, 131026)
    assert_meta_error(post(wa, template_body()), 400, 131026)
    assert post(wa, text_body(to=other)).status_code == 200
    assert [m.wa_id for m in wa.sent] == [other]


def test_fail_for_131047_blocks_free_text_only(wa: FakeGraphAPI) -> None:
    wa.fail_for(RESIDENT, 131047)
    error = assert_meta_error(post(wa, text_body()), 400, 131047)
    assert "24 hours" in error["error_data"]["details"]
    assert post(wa, template_body()).status_code == 200
    assert [m.type for m in wa.sent] == ["template"]


def test_fail_for_asynchronous_accepts_then_reports_in_webhook(wa: FakeGraphAPI) -> None:
    wa.fail_for(RESIDENT, 131026, asynchronous=True)
    resp = post(wa, text_body())
    assert resp.status_code == 200
    (sent,) = wa.sent
    assert sent.async_error == 131026
    payload = FakeGraphAPI.status_update(sent.message_id, "failed", sent.wa_id, error_code=sent.async_error)
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["id"] == resp.json()["messages"][0]["id"]
    assert status["errors"][0]["code"] == 131026


def test_validation_comes_before_recipient_failures(wa: FakeGraphAPI) -> None:
    wa.fail_for(RESIDENT, 131026)
    assert_meta_error(post(wa, template_body(params=["x"])), 400, 132000)


def test_hang_with_client_timeout_sends_nothing(wa: FakeGraphAPI) -> None:
    wa.hang_next(seconds=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(wa, text_body(), timeout=0.2)
    assert post(wa, text_body(text="kedua")).status_code == 200  # served while the first one hangs
    time.sleep(0.7)  # the hung request is then handled, late
    assert [m.text for m in wa.sent] == ["kedua", text_body()["text"]["body"]]


def test_hang_after_sends_although_client_timed_out(wa: FakeGraphAPI) -> None:
    wa.hang_next(seconds=30, after=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(wa, text_body(), timeout=0.2)
    assert len(wa.sent) == 1  # Meta got it: resending would message the resident twice


def test_stop_releases_a_hang_quickly() -> None:
    api = FakeGraphAPI().start()
    api.hang_next(seconds=3600)
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            result["status"] = post(api, text_body(), timeout=5).status_code
        except requests.RequestException as exc:
            result["error"] = exc

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    api.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not thread.is_alive()
    assert api.sent == []
    assert result.get("status") in (None, 503)


def test_reset_clears_logs_and_faults_but_keeps_templates(wa: FakeGraphAPI) -> None:
    wa.fail_next(5)
    wa.fail_for(RESIDENT, 131026)
    wa.hang_next(seconds=30)
    wa.reset()
    assert wa.sent == [] and wa.requests == []
    assert post(wa, template_body()).status_code == 200


# -- webhook helpers ---------------------------------------------------------------------------


def test_sign_is_hmac_sha256_of_raw_body_with_app_secret(wa: FakeGraphAPI) -> None:
    body = b'{"object":"whatsapp_business_account"}'
    expected = "sha256=" + hmac.new(b"test-app-secret", body, hashlib.sha256).hexdigest()
    assert wa.sign(body) == expected
    assert FakeGraphAPI(app_secret="other").sign(body) != expected


def test_webhook_request_signs_exact_bytes(wa: FakeGraphAPI) -> None:
    payload = FakeGraphAPI.inbound_text(RESIDENT, "Cek PDK-7K3QM9 ✓")
    body, headers = wa.webhook_request(payload)
    assert json.loads(body) == payload
    digest = hmac.new(wa.app_secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], "sha256=" + digest)
    assert headers["Content-Type"] == "application/json"
    assert "X-Hub-Signature-256" not in wa.webhook_request(payload, signed=False)[1]


def test_verification_query_shape() -> None:
    query = FakeGraphAPI.verification_query("rahasia", "1158201444")
    assert query == {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "rahasia"}


def test_inbound_text_envelope_shape() -> None:
    payload = FakeGraphAPI.inbound_text("+" + RESIDENT, "halo", message_id="wamid.ABC", name="Siti", timestamp=1764200000)
    assert payload["object"] == "whatsapp_business_account"
    (entry,) = payload["entry"]
    (change,) = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {"display_phone_number": "6281100000000", "phone_number_id": "1234567890"}
    assert value["contacts"] == [{"profile": {"name": "Siti"}, "wa_id": RESIDENT}]
    assert value["messages"] == [{"from": RESIDENT, "id": "wamid.ABC", "timestamp": "1764200000",
                                  "type": "text", "text": {"body": "halo"}}]


def test_button_reply_shape() -> None:
    value = FakeGraphAPI.button_reply(RESIDENT, "cek_status", "Cek status", "wamid.CTX")["entry"][0]["changes"][0]["value"]
    (message,) = value["messages"]
    assert message["type"] == "interactive"
    assert message["interactive"] == {"type": "button_reply", "button_reply": {"id": "cek_status", "title": "Cek status"}}
    assert message["context"]["id"] == "wamid.CTX"


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_status_update_shape(status: str) -> None:
    value = FakeGraphAPI.status_update("wamid.X", status, "+" + RESIDENT, timestamp=1764200000)["entry"][0]["changes"][0]["value"]
    (item,) = value["statuses"]
    assert {k: item[k] for k in ("id", "status", "timestamp", "recipient_id")} == {
        "id": "wamid.X", "status": status, "timestamp": "1764200000", "recipient_id": RESIDENT}
    assert item["pricing"]["category"] == "utility" and "id" in item["conversation"]
    assert "errors" not in item


def test_failed_status_carries_meta_errors() -> None:
    value = FakeGraphAPI.status_update("wamid.X", "failed", RESIDENT, error_code=131047)["entry"][0]["changes"][0]["value"]
    (item,) = value["statuses"]
    assert item["status"] == "failed" and "pricing" not in item
    (error,) = item["errors"]
    assert error["code"] == 131047 and error["title"] == "Re-engagement message"
    assert set(error) == {"code", "title", "message", "error_data", "href"}
    assert "details" in error["error_data"]
    with pytest.raises(ValueError):
        FakeGraphAPI.status_update("wamid.X", "queued", RESIDENT)


def test_envelope_batches_changes_up_to_1000_updates() -> None:
    parts = [FakeGraphAPI.inbound_text(RESIDENT, f"pesan {i}") for i in range(600)]
    parts += [FakeGraphAPI.status_update(f"wamid.{i}", "delivered", RESIDENT) for i in range(400)]
    payload = FakeGraphAPI.envelope(parts)
    (entry,) = payload["entry"]
    assert len(entry["changes"]) == 1000
    assert all(c["field"] == "messages" for c in entry["changes"])
    assert entry["changes"][0]["value"]["messages"][0]["text"]["body"] == "pesan 0"
    assert entry["changes"][-1]["value"]["statuses"][0]["id"] == "wamid.399"
    raw_value = parts[0]["entry"][0]["changes"][0]["value"]
    assert FakeGraphAPI.envelope([raw_value])["entry"][0]["changes"][0]["value"] == raw_value
    with pytest.raises(ValueError):
        FakeGraphAPI.envelope(parts + [FakeGraphAPI.inbound_text(RESIDENT, "satu lagi")])
