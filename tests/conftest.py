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
