"""Set-up as a new office meets it: the wizard without a key yet, and the README demo followed literally."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_handover import env_of, wizard

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh working folder, with no PONDOK_* from the outside."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PONDOK_"):
            monkeypatch.delenv(name)
    return tmp_path


SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit"


def test_the_wizard_skips_the_key_question_on_an_empty_answer(folder):
    result = wizard(["Pondok", SHEET, "", "links", "", "", "", ""])
    assert result.exit_code == 0, result.output
    env = env_of(folder / ".env")
    assert env["PONDOK_SHEET_ID"] == SHEET and "PONDOK_GOOGLE_CREDENTIALS" not in env
    assert "Kunci akun layanan dilewati" in result.output and "python main.py init-sheet" in result.output
    assert "Traceback" not in result.output


def test_the_wizard_skips_the_key_with_a_flag(folder):
    (folder / "credentials.json").write_text("{}")  # even where a default key file exists
    result = wizard([], "--non-interactive", "--sheet", SHEET, "--tanpa-kunci")
    assert result.exit_code == 0, result.output
    assert "PONDOK_GOOGLE_CREDENTIALS" not in env_of(folder / ".env")


def readme_demo() -> list[str]:
    """The shell lines of the README's demo section, in order, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Five minutes with the local demo")[1].split("\n## ")[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def test_the_readme_demo_followed_literally_prints_the_status_message(tmp_path):
    """Every line of the demo in a fresh folder (serve left out: it blocks; its syncs are the same)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PONDOK_", "GOOGLE_"))}
    outputs = []
    ticket = None
    for line in readme_demo():
        if "pip install" in line or line.startswith("python main.py serve"):
            continue
        if ticket:
            line = line.replace("PDK-XXXXXXX", ticket)
        line = line.replace("python main.py", f"{sys.executable} {ROOT / 'main.py'}")
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        outputs.append(done.stdout)
        ticket = ticket or (re.findall(r"PDK-[A-Z0-9]{7}", done.stdout) or [None])[0]
    assert ticket and readme_demo()[-1] == "python main.py sync"
    last = outputs[-1]
    assert "--- WhatsApp ke" in last and "perlu dilengkapi" in last and "Fotokopi KK belum ada" in last, outputs
