"""Commands fail the way staff can act on: one Indonesian line, a non-zero exit, never a traceback."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from pypdf import PdfReader

from pondok_sheets.flow.jobs import run_lock
from pondok_sheets.flow.sync import sync


ROOT = Path(__file__).resolve().parents[1]


def python_main(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`python main.py …` in an office folder whose .env names a sheet and no key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PONDOK_", "GOOGLE_"))}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def keyless(tmp_path) -> Path:
    (tmp_path / ".env").write_text("PONDOK_SHEET_ID=1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n"
                                   f"PONDOK_DATA_DIR={tmp_path / 'data'}\n")
    return tmp_path


@pytest.mark.parametrize("args", [["set-status", "PDK-AAAAAAA", "Diproses"], ["sync"], ["init-sheet"],
                                  ["poster", "--out", "poster.pdf"], ["rekap", "--bulan", "2026-11", "--out", "r.xlsx"]])
def test_a_sheet_without_its_key_gets_one_indonesian_line_and_a_non_zero_exit(keyless, args):
    result = python_main(keyless, *args)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "File kunci akun layanan 'credentials.json' tidak ditemukan" in result.stderr + result.stdout
    assert not (keyless / "poster.pdf").exists()  # never a poster of the built-in services as the office's


def test_a_state_file_from_a_newer_release_is_named_with_what_to_do_and_left_as_it_is(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with closing(sqlite3.connect(data / "state.sqlite3")) as db:
        db.execute("CREATE TABLE kept (x)")
        db.execute("PRAGMA user_version = 99")
        db.commit()
    (tmp_path / ".env").write_text(f"PONDOK_DATA_DIR={data}\n")
    result = python_main(tmp_path, "tick")
    said = result.stderr + result.stdout
    assert result.returncode == 1, said
    assert "Traceback" not in said and "tak terduga" not in said
    assert "ditulis oleh versi Pondok Sheets yang lebih baru" in said and "skema 99" in said
    assert "Pasang kembali versi yang lebih baru" in said and "jangan hapus berkasnya" in said
    with closing(sqlite3.connect(data / "state.sqlite3")) as db:  # not "upgraded" down, not emptied
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("kept",)]


@pytest.fixture
def store_kind() -> str:
    return "google"


def test_a_poster_from_an_unreadable_sheet_uses_the_last_synced_services_and_says_so(sheets_api, tmp_path, runner,
                                                                                      office, staff):
    staff.set_where("Layanan", "Kode", "SKU", "Layanan", "Surat Keterangan Usaha Mikro")
    sync(office)
    sheets_api.deny_access()
    try:
        out = tmp_path / "poster.pdf"
        result = runner.invoke(["poster", "--out", str(out)])
    finally:
        sheets_api.deny_access(False)
    assert result.exit_code == 0, result.output
    assert "Tab Layanan tidak bisa dibaca" in result.output and "daftar layanan dari sinkron terakhir" in result.output
    assert "Surat Keterangan Usaha Mikro" in " ".join(PdfReader(out).pages[0].extract_text().split())


def test_sync_waits_for_a_running_cycle_then_runs(runner, office):
    released = threading.Event()

    def hold_the_lock() -> None:
        with run_lock(office) as held:
            assert held
            released.wait(2)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    time.sleep(0.3)
    threading.Timer(1.5, released.set).start()
    started = time.monotonic()
    result = runner.invoke(["sync", "--tunggu", "20"])
    holder.join()
    assert result.exit_code == 0, result.output
    assert "menunggu sampai selesai" in result.output and "permohonan baru masuk register" in result.output
    assert 1.0 < time.monotonic() - started < 10


def test_sync_gives_up_after_its_wait_and_exits_non_zero(runner, office):
    released = threading.Event()

    def hold_the_lock() -> None:
        with run_lock(office):
            released.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    time.sleep(0.3)
    try:
        result = runner.invoke(["sync", "--tunggu", "1"])
    finally:
        released.set()
        holder.join()
    assert result.exit_code == 3
    assert "Sinkron lain masih berjalan setelah 1 detik; sinkron ini tidak dijalankan" in result.output


def test_an_unexpected_error_is_one_line_not_a_traceback(runner, office, monkeypatch):
    from pondok_sheets.flow import jobs

    def broken(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr(jobs, "flush_now", broken)
    result = runner.invoke(["sync"])
    assert result.exit_code == 1 and "Terjadi kesalahan tak terduga (KeyError)" in result.output
    assert "Traceback" not in result.output
