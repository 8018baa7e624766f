"""The flush after the response (`main:app`): it never waits for the run lock, and a run holding the lock
takes in what was submitted meanwhile. The response is closed as a WSGI server closes it."""
from __future__ import annotations

import time

import pytest

from pondok_sheets.app import create_wsgi_app
from pondok_sheets.flow.intake import Channel, submit
from pondok_sheets.flow.jobs import run_lock
from pondok_sheets.stores import open_store, prepare_register

from .conftest import VALID, csrf_token, google_settings
from .staff import GoogleStaff


OTHER = {**VALID, "nama": "Budi Santoso", "nik": "3201011203850002", "wa": "0812-3456-7802"}


@pytest.fixture
def wsgi_app(sheets_api, tmp_path):
    """`main:app`'s app (the flush after the response) on a new office's Google Sheet: settings, office, client."""
    settings = google_settings(sheets_api, tmp_path)
    prepare_register(open_store(settings))
    app = create_wsgi_app(settings)
    return settings, app.extensions["pondok"], app.test_client()


def post_form(client, answers=VALID) -> tuple[str, object]:
    """A resident sends the SKD form; returns the ticket and the (not yet closed) response."""
    token = csrf_token(client.get("/ajukan/SKD").get_data(as_text=True))
    response = client.post("/ajukan/SKD", data={**answers, "csrf_token": token})
    assert response.status_code == 303
    return response.headers["Location"].split("?")[0].rsplit("/", 1)[1], response


def test_the_flush_after_the_response_skips_at_once_while_another_run_holds_the_lock(sheets_api, wsgi_app):
    settings, office, client = wsgi_app
    with run_lock(office) as held:  # a cron tick (or another worker) is mid-run
        assert held
        ticket, response = post_form(client)
        started = time.monotonic()
        response.close()  # what the WSGI server does once the answer is sent
        assert time.monotonic() - started < 1.0  # the worker is free again at once
        assert office.state.queue.has_pending()
    assert ticket not in {r["Tiket"] for r in GoogleStaff(sheets_api, settings.sheet_id).rows()}
    ticket2, response = post_form(client, OTHER)
    response.close()  # the next submission, the lock free: its flush takes both in
    tickets = {r["Tiket"] for r in GoogleStaff(sheets_api, settings.sheet_id).rows()}
    assert {ticket, ticket2} <= tickets


def test_a_submission_arriving_during_a_flush_is_taken_in_by_that_flush(sheets_api, wsgi_app):
    settings, office, client = wsgi_app
    arrived: list[str] = []

    def second_resident(record) -> None:
        # Another worker files a request while this flush writes to the register (its queue read is over);
        # that worker's own flush finds the lock held and leaves it to this one.
        if record.kind == "write" and not arrived:
            arrived.append(submit(office, "SKD", OTHER, Channel.FORM))

    sheets_api.before_request(second_resident)
    try:
        ticket, response = post_form(client)
        response.close()
    finally:
        sheets_api.before_request(None)
    rows = GoogleStaff(sheets_api, settings.sheet_id).rows()
    assert arrived and {ticket, arrived[0]} <= {r["Tiket"] for r in rows}
    assert not office.state.queue.has_pending()
