"""`python main.py …` as staff and installers use it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pondok_sheets.cli import cli
from pondok_sheets.register.model import Channel
from pondok_sheets.flow.intake import submit

from .conftest import VALID

ROOT = Path(__file__).resolve().parents[1]


def test_tick_flushes_and_prints_a_one_line_summary(runner, office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    result = runner.invoke(["tick"])
    assert result.exit_code == 0
    assert "1 permohonan baru masuk register" in result.output and "1 pesan terkirim" in result.output
    assert "Halo Siti Aminah" in result.output  # the console messenger shows what the resident gets
    assert staff.row(ticket)["Status"] == "Baru"


def test_tick_exits_non_zero_when_the_cycle_failed(runner, office, staff):
    staff.rename_header("Status", "Keadaan")
    result = runner.invoke(["tick"])
    assert result.exit_code == 1
    assert "GAGAL: Kolom 'Status' tidak ditemukan di tab Permohonan" in result.output


def test_set_status_then_tick_sends_the_resident_the_new_status(runner, office, staff):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    result = runner.invoke(["set-status", ticket.lower(), "siap diambil", "--catatan", "Meja 2"])
    assert result.exit_code == 0 and f"Status {ticket} diubah menjadi Siap Diambil" in result.output
    assert (staff.row(ticket)["Status"], staff.row(ticket)["Catatan"]) == ("Siap Diambil", "Meja 2")
    result = runner.invoke(["sync"])
    assert "sudah siap diambil" in result.output and "Meja 2" in result.output


def test_set_status_refuses_an_unknown_status_or_ticket_listing_the_statuses(runner, office):
    ticket = submit(office, "SKD", VALID, Channel.FORM)
    result = runner.invoke(["set-status", ticket, "Beres"])
    assert result.exit_code == 2
    assert "Status 'Beres' tidak dikenal. Pilih salah satu: Baru, Diproses, Perlu Dilengkapi, Siap Diambil, " \
           "Selesai, Ditolak" in result.output
    result = runner.invoke(["set-status", "PDK-ZZZZZZZ", "Selesai"])
    assert result.exit_code == 2 and "Tiket PDK-ZZZZZZZ tidak ditemukan" in result.output
    assert "Baru, Diproses" in result.output


def test_outbox_lists_messages_with_numbers_masked(runner, office):
    submit(office, "SKD", VALID, Channel.FORM)
    runner.invoke(["tick"])
    result = runner.invoke(["outbox"])
    assert result.exit_code == 0 and "ke 62812*****801" in result.output
    assert "0812-3456-7801" not in result.output and "81234567801" not in result.output


def test_outbox_says_so_when_empty(runner):
    assert "Belum ada pesan." in runner.invoke(["outbox"]).output


def test_demo_adds_sample_requests_to_the_local_register_only(runner, staff, store_kind):
    result = runner.invoke(["demo", "--jumlah", "3"])
    if store_kind == "google":  # a real office's sheet never gets made-up people
        assert result.exit_code == 2 and "demo hanya untuk register lokal" in result.output
        assert staff.rows() == []
        return
    assert result.exit_code == 0 and "3 permohonan contoh ditambahkan" in result.output
    assert len(staff.rows()) == 3


def test_every_registered_command_has_its_own_help_in_indonesian():
    helps = {}
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and result.output.startswith("Penggunaan:"), (name, result.output)
        assert command.help and command.help.strip() in " ".join(result.output.split()), name
        helps[name] = command.help
    assert len(set(helps.values())) == len(helps), "two commands share one help text"
    assert {"serve", "tick", "sync", "init-sheet", "doctor", "setup", "set-status", "outbox", "poster", "rekap",
            "panduan", "demo"} <= set(helps)


def test_a_bad_configuration_value_stops_with_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PONDOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PONDOK_QUIET_HOURS", "malam")
    result = CliRunner().invoke(cli, ["tick"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Konfigurasi salah: PONDOK_QUIET_HOURS harus rentang jam JJ:MM-JJ:MM, misalnya 21:00-07:00, "
        "atau kosong (sekarang: 'malam')."]


def test_configuration_is_read_from_a_dot_env_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"PONDOK_DATA_DIR={tmp_path / 'data'}\nPONDOK_SYNC_MINUTES=0\n")
    result = CliRunner().invoke(cli, ["tick"])
    assert result.exit_code == 2 and "PONDOK_SYNC_MINUTES harus bilangan bulat ≥ 1" in result.output


def test_a_bad_staff_number_is_named_but_not_echoed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PONDOK_STAFF_WA", "0813-9999-1111,021-555123")
    result = CliRunner().invoke(cli, ["tick"])
    assert result.exit_code == 2 and "PONDOK_STAFF_WA harus" in result.output and "9999" not in result.output and "555123" not in result.output


def test_main_py_runs_as_a_script_and_exposes_the_wsgi_app(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PONDOK_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0 and "set-status" in result.stdout
    code = "import main; print(type(main.app.build()).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**env, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip() == "Flask"
