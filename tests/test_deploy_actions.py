"""The GitHub Actions deployment (deploy/github-actions-tick.yml) caches the local state only sealed.

The state holds residents' NIK and numbers, and a workflow run from a fork's pull request can
restore the repository's caches. The workflow's own shell steps are run here, as GitHub runs a
`shell: bash` step (bash -eo pipefail), on a state the real service wrote.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from pondok_sheets.config import Settings
from pondok_sheets.flow.intake import submit
from pondok_sheets.office import Office
from pondok_sheets.register.model import Channel
from tests.conftest import VALID

WORKFLOW = Path(__file__).resolve().parents[1] / "deploy" / "github-actions-tick.yml"
SECRET = "rahasia-kantor-desa-pondok"

def steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["tick"]["steps"]


def step(name: str) -> dict:
    (found,) = [s for s in steps() if s.get("name") == name]
    return found


def run_step(name: str, folder: Path, secret: str, path: str = "") -> subprocess.CompletedProcess:
    """The step's script, as GitHub runs it, in `folder` (the checkout) with the secret it is given."""
    found = step(name)
    assert found["shell"] == "bash" and "${{" not in found["run"]  # what runs here is what runs there
    assert found["env"] == {"PONDOK_SECRET_KEY": "${{ secrets.PONDOK_SECRET_KEY }}"}
    env = {"PATH": path or os.environ["PATH"], "PONDOK_SECRET_KEY": secret}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", found["run"]], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=60)


def a_state(folder: Path) -> str:
    """The service's own state in `folder`/instance, with one resident's request queued; returns its ticket."""
    office = Office.open(Settings(data_dir=folder / "instance", secret_key=SECRET))
    return submit(office, "SKD", VALID, Channel.FORM)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_only_the_sealed_state_is_cached_and_it_is_saved_even_after_a_failed_run():
    order = [s.get("name") or s.get("uses") or s.get("run") for s in steps()]
    assert order.index("actions/cache/restore@v4") < order.index("Open the kept state") \
        < order.index("python main.py tick") < order.index("Seal the state") < order.index("actions/cache/save@v4")
    cached = [s for s in steps() if str(s.get("uses", "")).startswith("actions/cache")]
    assert [s["with"]["path"] for s in cached] == ["state.enc", "state.enc"]  # never instance/ itself
    assert step("Seal the state")["if"] == "always()" and step("Seal the state")["id"] == "seal"
    # A seal that failed caches nothing, so the last good state stays the one the next run opens.
    assert [s for s in cached if s["uses"] == "actions/cache/save@v4"][0]["if"] == \
        "always() && steps.seal.outcome == 'success'"
    tick = next(s for s in steps() if s.get("run") == "python main.py tick")
    assert tick["env"]["PONDOK_SECRET_KEY"] == "${{ secrets.PONDOK_SECRET_KEY }}"


def test_the_state_is_sealed_without_a_nik_in_clear_and_opens_again_whole(tmp_path):
    ticket = a_state(tmp_path)
    before = files(tmp_path / "instance")
    personal = [VALID["nik"], VALID["nama"], VALID["wa"]]  # what must not reach the cache in clear
    assert all(any(p.encode() in data for data in before.values()) for p in personal)

    sealed = run_step("Seal the state", tmp_path, SECRET)
    assert sealed.returncode == 0, sealed.stderr
    cache = (tmp_path / "state.enc").read_bytes()
    assert not any(p.encode() in cache for p in personal)
    assert cache.startswith(b"Salted__")

    shutil.rmtree(tmp_path / "instance")  # a fresh runner: only the cache comes back
    opened = run_step("Open the kept state", tmp_path, SECRET)
    assert opened.returncode == 0 and "Keadaan tersimpan dibuka." in opened.stdout
    assert files(tmp_path / "instance") == before
    assert not (tmp_path / "state.enc").exists() and not (tmp_path / "state.tgz").exists()
    office = Office.open(Settings(data_dir=tmp_path / "instance", secret_key=SECRET))
    assert [q.ticket for q in office.state.queue.pending()] == [ticket]  # the request still waits for the sheet


def test_a_changed_secret_starts_afresh_with_a_warning_and_leaves_nothing_behind(tmp_path):
    a_state(tmp_path)
    assert run_step("Seal the state", tmp_path, SECRET).returncode == 0
    shutil.rmtree(tmp_path / "instance")
    opened = run_step("Open the kept state", tmp_path, "kunci-lain")
    assert opened.returncode == 0
    assert "::warning::Keadaan tersimpan tidak bisa dibuka (PONDOK_SECRET_KEY diganti?)" in opened.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_first_run_starts_afresh_and_no_secret_stops_before_tick(tmp_path):
    first = run_step("Open the kept state", tmp_path, SECRET)
    assert first.returncode == 0 and "Belum ada keadaan tersimpan: mulai baru." in first.stdout
    missing = run_step("Open the kept state", tmp_path, "")
    assert missing.returncode == 1
    assert "::error::PONDOK_SECRET_KEY belum diisi di Secrets" in missing.stdout
    assert run_step("Seal the state", tmp_path, "").returncode == 0 and not (tmp_path / "state.enc").exists()


def test_a_cache_cut_short_starts_afresh_and_leaves_no_half_opened_state(tmp_path):
    a_state(tmp_path)
    archive = subprocess.run(["tar", "-czf", "-", "instance"], cwd=tmp_path, capture_output=True, check=True).stdout
    shutil.rmtree(tmp_path / "instance")
    # Sealed with the right secret, but the archive inside ends half-way: it opens, and cannot be unpacked whole.
    subprocess.run(["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-iter", "200000", "-salt", "-pass", "env:KEY",
                    "-out", str(tmp_path / "state.enc")], input=archive[:len(archive) // 2], check=True,
                   env={"PATH": os.environ["PATH"], "KEY": SECRET})
    opened = run_step("Open the kept state", tmp_path, SECRET)
    assert opened.returncode == 0 and "::warning::Keadaan tersimpan tidak bisa dibuka" in opened.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no half of a state file for tick to trust


def test_a_seal_cut_short_leaves_no_state_to_cache(tmp_path):
    a_state(tmp_path)
    (tmp_path / "state.enc").write_bytes(b"the cache this run opened")  # gone by now, but be sure
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "tar").write_text("#!/bin/sh\nhead -c 100 /dev/urandom\nexit 2\n")  # a disk full mid-archive
    (broken / "tar").chmod(0o755)
    sealed = run_step("Seal the state", tmp_path, SECRET, path=f"{broken}:{os.environ['PATH']}")
    assert sealed.returncode != 0  # the step fails, so the save step does not run
    assert not (tmp_path / "state.enc").exists()  # and there is no cut-short seal for it to find
