"""Fixtures: a configured app on a temporary data folder, its client, CLI runner and staff hands."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pondok_sheets import create_app
from pondok_sheets.config import Settings
from pondok_sheets.office import Clock, Office
from pondok_sheets.stores import open_store, prepare_register

from .fakes.sheets_api import FakeSheetsAPI
from .staff import GoogleStaff, LocalStaff

JAKARTA = ZoneInfo("Asia/Jakarta")

# Answers to every required field (Isian) of the built-in services, so VALID is valid for each.
LETTER_ANSWERS = {
    "tempat_lahir": "Bogor", "tanggal_lahir": "05-07-1990", "jenis_kelamin": "Perempuan", "agama": "Islam",
    "status_perkawinan": "Kawin", "pekerjaan": "Pedagang", "alamat": "Kampung Pondok", "rt": "003", "rw": "001",
    "keperluan": "Melamar kerja", "alasan_kk": "Perubahan data", "jenis_ktp": "Baru", "nama_usaha": "Warung Siti",
    "jenis_usaha": "Sembako", "alamat_usaha": "Jl. Pasar 2", "nama_bayi": "Rafi", "jenis_kelamin_bayi": "Laki-laki",
    "tempat_lahir_bayi": "Bogor", "tanggal_lahir_bayi": "01-11-2026", "nama_ayah": "Budi", "nama_ibu": "Siti",
    "hubungan_pelapor": "Ibu", "nama_almarhum": "Slamet", "jenis_kelamin_almarhum": "Laki-laki",
    "tanggal_meninggal": "30-11-2026", "tempat_meninggal": "Rumah", "sebab_meninggal": "Sakit biasa/tua",
}
VALID = {"nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812-3456-7801",
         "keterangan": "Untuk melamar kerja", "setuju": "ya", **LETTER_ANSWERS}


def at(text: str) -> datetime:
    """A moment in Jakarta time, e.g. at('2026-11-27 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


@pytest.fixture(scope="session")
def sheets_api():
    """The fake Google Sheets API (and token endpoint), shared by the session; one spreadsheet per test."""
    with FakeSheetsAPI() as api:
        yield api
        assert api.errors == []


@pytest.fixture(params=["local", "google"])
def store_kind(request) -> str:
    """Every register test runs against both homes of the register."""
    return request.param


def google_settings(api, tmp_path: Path, **overrides) -> Settings:
    """Settings for a new empty spreadsheet on the fake API, with a key file made for it."""
    sheet_id = "test-" + uuid.uuid4().hex
    api.create_spreadsheet(sheet_id)
    key = tmp_path / "credentials.json"
    key.write_text(json.dumps(api.service_account_info()))
    return Settings(**{**BASE, "data_dir": tmp_path / "data", "sheet_id": sheet_id,
                       "google_credentials": str(key), "sheets_api_url": api.base_url, **overrides})


BASE = dict(secret_key="test-secret", settle_minutes=0, quiet_hours=None,
            public_url="https://layanan.desapondok.id")


@pytest.fixture
def settings(tmp_path: Path, store_kind: str, request) -> Settings:
    if store_kind == "local":
        return Settings(**{**BASE, "data_dir": tmp_path / "data"})
    settings = google_settings(request.getfixturevalue("sheets_api"), tmp_path)
    prepare_register(open_store(settings))  # what `init-sheet` does for a new office
    return settings


class FakeClock(Clock):
    """The office's clock in tests: real time until a test sets `moment`."""

    def __init__(self, zone=JAKARTA):
        super().__init__(zone)
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment or super().now()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(settings: Settings, clock: FakeClock):
    return create_app(settings, {"TESTING": True}, clock=clock)


@pytest.fixture
def office(app) -> Office:
    return app.extensions["pondok"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Invoke `python main.py …` commands against the test app."""
    from flask.cli import ScriptInfo

    from pondok_sheets.cli import cli

    class Runner(CliRunner):
        def invoke(self, args, **kwargs):  # type: ignore[override]
            return super().invoke(cli, args, obj=ScriptInfo(create_app=lambda: app, set_debug_flag=False), **kwargs)

    return Runner()


@pytest.fixture
def staff(settings: Settings, request) -> LocalStaff | GoogleStaff:
    if settings.uses_google:
        return GoogleStaff(request.getfixturevalue("sheets_api"), settings.sheet_id)
    return LocalStaff(settings.data_dir / "register.sqlite3")


def csrf_token(html: str) -> str:
    """The CSRF token a form page carries."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port, for the browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download).

    Without Chromium installed these tests skip, as the README explains; CI sets
    PONDOK_REQUIRE_BROWSER=1 so there a missing browser fails instead.
    """
    import os
    import shutil

    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if os.environ.get("PONDOK_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium)")
        pytest.skip("Chromium not installed: apt-get install chromium (see the README, 'Two commands')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture
def phone_page(browser):
    """A page as on a cheap Android phone: 360 px wide, JavaScript off."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                                  locale="id-ID")
    yield context.new_page()
    context.close()
