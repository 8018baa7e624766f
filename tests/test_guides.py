"""The guides say what the software does: the status table and doctor's words come from the code."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from pondok_sheets.cli.guide import END, GUIDE, START, status_table
from pondok_sheets.messengers.graph import OPERATOR
from pondok_sheets.register.messages import DEFAULT_WORDING

ROOT = Path(__file__).resolve().parents[1]
STAFF_GUIDE = GUIDE.read_text(encoding="utf-8")
SOURCES = ["pondok_sheets/cli/doctor.py", "pondok_sheets/stores/google_api.py", "pondok_sheets/errors.py"]


def test_the_status_table_in_the_staff_guide_is_the_one_the_code_generates():
    section = STAFF_GUIDE.split(START)[1].split(END)[0].strip()
    assert section == status_table(), "run: python main.py panduan"


def test_every_status_in_the_guide_shows_the_default_pesan_wording():
    section = STAFF_GUIDE.split(START)[1].split(END)[0]
    for status, wording in DEFAULT_WORDING.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| **{status.value}** |"))
        first_line = wording.splitlines()[0].split("{")[0]  # the words before the first placeholder
        assert first_line.strip() in row, status


def _fixed_openings(source: str) -> list[str]:
    """The fixed opening words of every error message for staff raised in a source file."""
    literals = re.findall(r'(?:StoreError|CredentialsProblem|super\(\).__init__)\(\s*f?"([^"]+)"', source)
    return [re.split(r"\{|\(|'|:", literal)[0].strip() for literal in literals]


def test_doctor_and_the_staff_guide_use_the_same_words():
    doctor = (ROOT / "pondok_sheets/cli/doctor.py").read_text()
    findings = re.findall(r"Finding\((?:FAIL|WARN),\s*f?\"([^\"]+)\"", doctor)
    openings = [re.split(r"\{|\(|:", text)[0].strip() for text in findings]
    openings += [text.split(";")[0] for text in OPERATOR.values()]
    for source in SOURCES[1:]:
        openings += [o for o in _fixed_openings((ROOT / source).read_text()) if o]
    missing = [o for o in openings if o and o not in STAFF_GUIDE]
    assert len(openings) > 25 and missing == []


def test_the_installer_guide_names_the_wizard_flags_that_exist():
    from click.testing import CliRunner

    from pondok_sheets.cli import cli

    help_text = CliRunner().invoke(cli, ["setup", "--help"]).output
    guide = (ROOT / "docs/panduan-pemasangan.md").read_text(encoding="utf-8")
    flags = set(re.findall(r"--[a-z][a-z-]+", guide.split("python main.py setup", 1)[1]))
    known = set(re.findall(r"--[a-z][a-z-]+", help_text)) | {"--out", "--bulan", "--service", "--host", "--port"}
    assert flags and flags <= known, flags - known


@pytest.mark.parametrize("store_kind", ["local"])
def test_the_pythonanywhere_pinger_answers_the_guide_shows_are_the_ones_the_app_gives(settings, store_kind):
    from pondok_sheets import create_app

    guide = (ROOT / "docs/panduan-pemasangan.md").read_text(encoding="utf-8")
    section = guide.split("### Pilihan 1: PythonAnywhere", 1)[1].split("### Pilihan 2", 1)[0]
    assert "Reload" in section and "Error log" in section and "`POST`" in section and "Bearer" in section
    assert (ROOT / "deploy/pythonanywhere_wsgi.py").exists()
    shown = re.search(r"`(\{\"ok\": true.*?\})`", section).group(1)
    good = json.loads(shown.replace('"0 permohonan baru masuk register, …"', '""').replace("[…]", "[]"))
    client = create_app(dataclasses.replace(settings, task_token="rahasia-pinger"), {"TESTING": True}).test_client()
    refused = client.post("/tasks/tick", headers={"Authorization": "Bearer salah"})
    assert refused.status_code == 401 and f'`{{"galat": "{refused.get_json()["galat"]}"}}`' in section
    answer = client.post("/tasks/tick", headers={"Authorization": "Bearer rahasia-pinger"})
    assert answer.status_code == 200 and set(good) == set(answer.get_json())
    assert answer.get_json()["dijalankan"]["sinkron"].startswith("0 permohonan baru masuk register, ")
