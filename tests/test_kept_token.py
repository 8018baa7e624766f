"""The access token kept between processes (issue 16): a cron tick's sync asks Google for a token once an
hour, not every few minutes; a refused or foreign token is never used twice, and nothing is lost."""
from __future__ import annotations

import json
import logging
import stat
import time

import pytest
from click.testing import CliRunner

from pondok_sheets.cli import cli
from pondok_sheets.flow.sync import sync
from pondok_sheets.office import Office
from pondok_sheets.stores import open_store, prepare_register
from pondok_sheets.stores.google_token import FILE_NAME, MARGIN

from .conftest import at, google_settings
from .staff import GoogleStaff
from .test_idle_sync import filed, told


@pytest.fixture
def own_api():
    """A fake of its own: these tests expire and count tokens."""
    from .fakes.sheets_api import FakeSheetsAPI

    with FakeSheetsAPI() as api:
        yield api


@pytest.fixture
def settings(own_api, tmp_path):
    settings = google_settings(own_api, tmp_path)
    prepare_register(open_store(settings))
    return settings


def kept_file(settings):
    return settings.data_dir / FILE_NAME


def kept(settings) -> dict:
    return json.loads(kept_file(settings).read_text())


def test_the_next_process_uses_the_kept_token_and_asks_google_for_none(own_api, settings):
    ticket = filed(Office.open(settings), "2026-11-27 09:00")
    assert own_api.tokens_issued == 1
    assert stat.S_IMODE(kept_file(settings).stat().st_mode) == 0o600  # a bearer token: its owner only
    assert kept(settings)["expires_at"] > time.time() + 3000  # Google's service-account tokens live an hour
    GoogleStaff(own_api, settings.sheet_id).set(ticket, "Status", "Diproses")
    own_api.reset_counts()
    later = Office.open(settings)  # a new process: cron's next tick
    assert sync(later, at("2026-11-27 09:02")).ok and own_api.reads >= 1
    assert told(later, ticket, "diproses") == 1
    assert own_api.tokens_issued == 0 and [r for r in own_api.requests if r.kind == "token"] == []


def test_a_token_google_refuses_is_forgotten_and_the_sync_goes_on_with_a_new_one(own_api, settings):
    ticket = filed(Office.open(settings), "2026-11-27 09:00")
    refused = kept(settings)["token"]
    own_api.expire_tokens()  # revoked, or the key deleted: every token issued so far answers 401
    GoogleStaff(own_api, settings.sheet_id).set(ticket, "Status", "Diproses")
    own_api.reset_counts()
    later = Office.open(settings)
    report = sync(later, at("2026-11-27 09:02"))
    assert report.ok and told(later, ticket, "diproses") == 1  # nothing lost to the refused token
    assert own_api.tokens_issued == 1  # one new token, for every call after the refusal
    assert kept(settings)["token"] != refused
    own_api.reset_counts()
    assert sync(Office.open(settings), at("2026-11-27 09:04")).ok and own_api.tokens_issued == 0


@pytest.mark.parametrize("spoil", ["nearly expired", "another key", "not JSON", "a folder"])
def test_a_token_that_is_not_good_for_this_key_is_not_used(own_api, settings, spoil, caplog):
    filed(Office.open(settings), "2026-11-27 09:00")
    path = kept_file(settings)
    good = kept(settings)
    if spoil == "nearly expired":
        path.write_text(json.dumps({**good, "expires_at": time.time() + MARGIN - 10}))
    elif spoil == "another key":
        path.write_text(json.dumps({**good, "for": "0" * 64}))
    elif spoil == "not JSON":
        path.write_text("{")
    else:  # nothing can be kept there: each process gets its own token, and says why once
        path.unlink()
        path.mkdir()
    own_api.reset_counts()
    caplog.set_level(logging.INFO)
    assert sync(Office.open(settings), at("2026-11-27 09:02")).ok
    assert own_api.tokens_issued == 1
    assert good["token"] not in caplog.text and "ya29." not in caplog.text  # never a token in the log
    if spoil == "a folder":
        assert "could not keep the Google token" in caplog.text
        assert [f.name for f in settings.data_dir.iterdir() if f.name.startswith(".")] == []  # no stray copy
    else:
        assert kept(settings)["token"] != good["token"] and kept(settings)["for"] == good["for"]


def test_doctor_checks_the_key_itself_not_a_kept_token(own_api, settings, monkeypatch):
    filed(Office.open(settings), "2026-11-27 09:00")
    for name, value in {"PONDOK_SHEET_ID": settings.sheet_id, "PONDOK_GOOGLE_CREDENTIALS": settings.google_credentials,
                        "PONDOK_SHEETS_API_URL": settings.sheets_api_url, "PONDOK_DATA_DIR": str(settings.data_dir),
                        "PONDOK_SECRET_KEY": "test-secret"}.items():
        monkeypatch.setenv(name, value)
    own_api.reset_counts()
    result = CliRunner().invoke(cli, ["doctor"])
    assert "Kunci akun layanan terbaca: pondok@desa-pondok.iam.gserviceaccount.com." in result.output
    assert own_api.tokens_issued == 1  # the key got a token of its own


@pytest.mark.parametrize("text, says", [
    ("{", "bukan JSON yang sah"),
    ('{"client_email": "pondok@desa-pondok.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token"}',
     "tidak lengkap (tidak ada private_key)"),
    ('{"client_email": "a@b.iam.gserviceaccount.com", "token_uri": "https://oauth2.googleapis.com/token", '
     '"private_key": "-----BEGIN PRIVATE KEY-----\\nrusak\\n-----END PRIVATE KEY-----\\n"}', "tidak bisa dibaca"),
])
def test_a_broken_key_is_one_line_for_staff_and_loses_nothing(own_api, settings, tmp_path, text, says):
    from pondok_sheets.flow.intake import submit
    from pondok_sheets.register.model import Channel

    from .conftest import VALID

    (tmp_path / "credentials.json").write_text(text)
    office = Office.open(settings)
    ticket = submit(office, "SKD", VALID, Channel.FORM, at("2026-11-27 09:00"))
    report = sync(office, at("2026-11-27 09:00"))
    assert not report.ok and says in report.error and "Kunci akun layanan" in report.error
    assert "Traceback" not in report.error
    assert [q.ticket for q in office.state.queue.pending()] == [ticket]  # still queued for the next sync


def test_a_refused_token_is_not_tried_again_even_when_no_new_one_could_be_got(own_api, settings):
    ticket = filed(Office.open(settings), "2026-11-27 09:00")
    refused = kept(settings)["token"]
    own_api.expire_tokens()
    GoogleStaff(own_api, settings.sheet_id).set(ticket, "Status", "Diproses")
    office = Office.open(settings)
    office.store.google.backoff = 0.01
    own_api.reset_counts()
    own_api.fail_next(2, 400, kinds=("token",))  # and Google's token endpoint refuses the key, for the Drive
    report = sync(office, at("2026-11-27 09:02"))  # check and for the read that follows it: the sync stops
    assert not report.ok and "Gagal masuk ke Google dengan akun layanan" in report.error
    assert sum(r.kind == "token" for r in own_api.requests) == 2
    assert not kept_file(settings).exists() or kept(settings)["token"] != refused
    own_api.reset_counts()
    later = Office.open(settings)
    assert sync(later, at("2026-11-27 09:04")).ok and told(later, ticket, "diproses") == 1
    assert own_api.tokens_issued == 1


def test_a_long_running_process_stops_using_the_kept_token_before_it_expires(own_api, settings):
    ticket = filed(Office.open(settings), "2026-11-27 09:00")
    serving = Office.open(settings)  # `serve`: one process for hours
    assert sync(serving, at("2026-11-27 09:02")).ok and own_api.tokens_issued == 1  # the kept one, for now
    own_api.reset_counts()
    serving.store.google.kept.clock = lambda: time.time() + 3600 - MARGIN + 1  # 55 minutes on
    GoogleStaff(own_api, settings.sheet_id).set(ticket, "Status", "Diproses")
    assert sync(serving, at("2026-11-27 09:04")).ok and told(serving, ticket, "diproses") == 1
    assert own_api.tokens_issued == 1  # a fresh token before the old one ran out: no call refused for it
    assert not [r for r in own_api.requests if r.status == 401]
