"""`/healthz` tells the truth: 200 only while the last sync succeeded recently, 503 with a short reason."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pondok_sheets.flow.intake import submit
from pondok_sheets.flow.jobs import run_due
from pondok_sheets.register.model import Channel

from .conftest import VALID, at

NOW = at("2026-11-27 09:00")


def health(client):
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_a_sync_that_ran_to_the_end_is_healthy_and_a_stale_one_is_not(client, office, clock):
    clock.moment = NOW
    assert run_due(office, NOW).ok
    code, body = health(client)
    assert (code, body["status"]) == (200, "ok") and "alasan" not in body
    clock.moment = NOW + timedelta(minutes=14)  # a cron pinger every five minutes may miss two pings
    assert health(client)[0] == 200
    clock.moment = NOW + timedelta(minutes=16)  # nothing ran for three sync intervals and more
    code, body = health(client)
    assert code == 503 and "16 menit lalu" in body["alasan"] and "tidak berjalan" in body["alasan"]
    assert run_due(office, clock.moment).ok  # the schedule runs again
    assert health(client)[0] == 200


@pytest.mark.parametrize("store_kind", ["google"])
def test_while_every_sync_fails_health_says_so_without_personal_data(client, office, clock, sheets_api, store_kind):
    clock.moment = NOW
    assert run_due(office, NOW).ok
    ticket = submit(office, "SKD", VALID, Channel.FORM, NOW)
    sheets_api.deny_access()  # someone unshared the sheet: every sync fails from now on
    clock.moment = later = NOW + timedelta(minutes=3)
    result = run_due(office, later)
    assert not result.ok and result.ran["sinkron"].startswith("GAGAL")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["alasan"] == "sinkron terakhir gagal: register Google tidak bisa dibaca atau ditulis"
    text = response.get_data(as_text=True)
    for secret in (VALID["nik"], VALID["nama"], VALID["wa"], ticket):
        assert secret not in text
    clock.moment = NOW + timedelta(minutes=6)
    assert not run_due(office, clock.moment).ok and health(client)[0] == 503  # still failing: still 503
    sheets_api.deny_access(False)  # shared again
    clock.moment = NOW + timedelta(minutes=9)
    assert run_due(office, clock.moment).ok  # the next sync heals it
    assert health(client)[0] == 200


@pytest.mark.parametrize("store_kind", ["google"])
def test_a_health_check_costs_no_google_request(client, office, clock, sheets_api, store_kind):
    clock.moment = NOW
    assert run_due(office, NOW).ok
    sheets_api.reset_counts()
    for _ in range(3):
        assert health(client)[0] == 200
    assert (sheets_api.reads, sheets_api.writes, sheets_api.drive_requests) == (0, 0, 0)
