"""Fixtures: a configured app on a temporary data folder, its client, CLI runner and staff hands."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pondok_sheets import create_app
from pondok_sheets.config import Settings
from pondok_sheets.office import Office

from .staff import LocalStaff

JAKARTA = ZoneInfo("Asia/Jakarta")

VALID = {"nama": "Siti Aminah", "nik": "3201014507900001", "wa": "0812-3456-7801",
         "keterangan": "Untuk melamar kerja", "setuju": "ya"}


def at(text: str) -> datetime:
    """A moment in Jakarta time, e.g. at('2026-11-27 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", secret_key="test-secret", settle_minutes=0, quiet_hours=None,
                    public_url="https://layanan.desapondok.id")


@pytest.fixture
def app(settings: Settings):
    return create_app(settings, {"TESTING": True})


@pytest.fixture
def office(app) -> Office:
    return app.extensions["pondok"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Invoke `python main.py …` commands against the test app."""
    from pondok_sheets.cli import cli

    class Runner(CliRunner):
        def invoke(self, args, **kwargs):  # type: ignore[override]
            return super().invoke(cli, args, obj=app, **kwargs)

    return Runner()


@pytest.fixture
def staff(settings: Settings) -> LocalStaff:
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
        pytest.skip("Chromium not installed: apt-get install chromium (see README, 'Tes')")
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
