"""Staff read Bahasa Indonesia: click's own messages, `serve`'s console and a busy port."""
from __future__ import annotations

import ast
import gettext
import io
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher

from pondok_sheets import i18n
from pondok_sheets.cli import cli
from pondok_sheets.console_log import (
    OfficeTimeFormatter,
    attach_to_waitress,
    explain_serve_error,
    translate_waitress,
)

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("Usage:", "Options:", "Commands:", "Error:", "Try '", "Missing", "No such", "is not a valid",
           "Show this message")


@pytest.fixture
def indonesian() -> Iterator[CliRunner]:
    """Click speaks Indonesian, as `pondok_sheets.cli` installs it; left as it was found."""
    was = i18n.is_installed()
    i18n.install()
    yield CliRunner()
    if not was:
        i18n.uninstall()


def assert_no_english(output: str) -> None:
    for word in ENGLISH:
        assert word not in output, f"{word!r} still in English:\n{output}"


def test_help_page_is_in_indonesian(indonesian):
    result = indonesian.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Penggunaan:")
    assert "\nOpsi:\n" in result.output and "\nPerintah:\n" in result.output
    assert "Tampilkan bantuan ini lalu keluar." in result.output
    assert_no_english(result.output)


def test_missing_argument_says_so_in_indonesian_with_the_help_hint(indonesian):
    result = indonesian.invoke(cli, ["set-status"])
    assert result.exit_code == 2
    assert "Kesalahan: Argumen belum diisi 'TICKET'." in result.output
    assert "Ketik 'cli set-status --help' untuk bantuan." in result.output
    assert_no_english(result.output)


def test_unknown_option_and_unknown_command_are_named_in_indonesian(indonesian):
    option = indonesian.invoke(cli, ["sync", "--bogus"])
    command = indonesian.invoke(cli, ["sinkron"])
    assert option.exit_code == command.exit_code == 2
    assert "Kesalahan: Tidak ada opsi '--bogus'." in option.output
    assert "Kesalahan: Tidak ada perintah 'sinkron'." in command.output
    assert_no_english(option.output + command.output)


def test_a_word_where_a_number_belongs_is_refused_in_indonesian(indonesian):
    result = indonesian.invoke(cli, ["outbox", "--limit", "dua"])
    assert result.exit_code == 2
    assert "Kesalahan: Nilai tidak sah untuk '--limit': 'dua' bukan angka yang sah." in result.output
    assert_no_english(result.output)


def test_aborted_prompt_and_required_marker_are_indonesian(indonesian):
    @click.command()
    @click.option("--out", required=True, help="Berkas tujuan.")
    def poster(out: str) -> None:
        click.confirm("Timpa?", abort=True)

    refused = indonesian.invoke(poster, ["--out", "a.pdf"], input="n\n")
    assert refused.exit_code == 1 and "Dibatalkan!" in refused.output
    assert "[wajib]" in indonesian.invoke(poster, ["--help"]).output
    missing = indonesian.invoke(poster, [])
    assert "Kesalahan: Opsi belum diisi '--out'." in missing.output


def test_indonesian_confirm_accepts_ya_and_tidak_and_asks_again_otherwise(indonesian):
    @click.command()
    def ask() -> None:
        click.echo(f"jawaban={i18n.confirm('Timpa .env?')}")

    yes = indonesian.invoke(ask, input="mungkin\nya\n")
    no = indonesian.invoke(ask, input="tidak\n")
    default = indonesian.invoke(ask, input="\n")
    assert "Timpa .env? [y/T]: " in yes.output
    assert "Kesalahan: jawab y (ya) atau t (tidak)." in yes.output and "jawaban=True" in yes.output
    assert "jawaban=False" in no.output and "jawaban=False" in default.output


def test_usage_placeholders_can_be_indonesian_too(indonesian):
    @click.group()
    def group() -> None:
        """Grup."""

    @group.command()
    @click.option("--catatan", help="Catatan.")
    @click.option("--jumlah", type=int, help="Jumlah.")
    def ubah(catatan: str, jumlah: int) -> None:
        """Ubah."""

    i18n.localize_usage(group)
    runner = indonesian
    assert "Penggunaan: group [OPSI] PERINTAH [ARGUMEN]..." in runner.invoke(group, ["--help"]).output
    sub = runner.invoke(group, ["ubah", "--help"]).output
    assert "--catatan TEKS" in sub and "--jumlah ANGKA" in sub


def test_install_leaves_other_libraries_and_uninstall_restores_english(indonesian):
    assert gettext.gettext("Usage:") == "Usage:"  # the stdlib's own domain is untouched
    assert click.core._ is not gettext.gettext
    i18n.uninstall()
    assert "Usage:" in CliRunner().invoke(cli, ["--help"]).output
    i18n.install()


def _click_msgids() -> set[str]:
    found: set[str] = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found | {"required"}  # passed to `_` through a variable in core.Option.get_help_record


def test_every_message_click_can_show_has_a_translation():
    catalogue = i18n.load_catalogue()
    untranslated = sorted(m for m in _click_msgids()
                          if catalogue.gettext(m) == m and catalogue.ngettext(m, m + "\0", 2) == m)
    assert untranslated == [], "click has messages the catalogue lacks (a click upgrade?)"


def test_committed_mo_matches_the_po():
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "compile_messages.py"), "--check"],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


def _record(name: str, message: str, level: int = logging.INFO, *args: object) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, message, args, None)
    record.created = datetime(2026, 12, 1, 21, 37, tzinfo=UTC).timestamp()
    return record


def test_console_stamps_are_in_the_office_zone_written_the_indonesian_way():
    jakarta = OfficeTimeFormatter(ZoneInfo("Asia/Jakarta")).format(_record("pondok", "Sinkron selesai"))
    makassar = OfficeTimeFormatter(ZoneInfo("Asia/Makassar")).format(_record("pondok", "x"))
    assert jakarta == "2026-12-02 04.37 WIB  Sinkron selesai"
    assert makassar.startswith("2026-12-02 05.37 WITA")


def test_waitress_lines_reach_staff_in_indonesian():
    stream = io.StringIO()
    handler = attach_to_waitress(ZoneInfo("Asia/Jayapura"), stream)
    server = create_server(lambda environ, start_response: [], host="127.0.0.1", port=0)
    try:
        server.print_listen("Serving on http://{}:{}")
        ThreadedTaskDispatcher().add_task(object())  # no threads: waitress reports the queue depth
    finally:
        server.close()
        logging.getLogger("waitress").removeHandler(handler)
        logging.getLogger("waitress").propagate = True
    shown = stream.getvalue()
    assert f"Melayani di http://127.0.0.1:{server.effective_port}" in shown
    assert "Peringatan: Antrean: 1 permintaan menunggu" in shown and " WIT  " in shown
    assert "Serving" not in shown and "Task queue" not in shown


def test_waitress_exception_shows_staff_one_line_without_a_traceback():
    formatter = OfficeTimeFormatter(ZoneInfo("Asia/Jakarta"))
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = _record("waitress", "Exception while serving /ajukan/SKD", logging.ERROR)
        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert line.endswith("Kesalahan: Terjadi kesalahan saat melayani /ajukan/SKD.")
    assert "Traceback" not in line and "\n" not in line
    assert translate_waitress("something waitress says one day") == "something waitress says one day"


def test_a_busy_port_is_explained_in_one_indonesian_line():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(OSError) as caught:
            create_server(lambda environ, start_response: [], host="127.0.0.1", port=port)
    finally:
        holder.close()
    line = explain_serve_error(caught.value, "127.0.0.1", port)
    assert f"Port {port}" in line and "sudah dipakai" in line and "--port" in line
    assert "\n" not in line and "Errno" not in line


def test_an_unknown_host_is_explained_too():
    with pytest.raises(ValueError) as caught:
        create_server(lambda environ, start_response: [], host="tidak-ada.invalid", port=8080)
    assert "tidak dikenali" in explain_serve_error(caught.value, "tidak-ada.invalid", 8080)


def test_with_verbose_the_operator_log_keeps_waitress_in_english(caplog):
    stream = io.StringIO()
    handler = attach_to_waitress(ZoneInfo("Asia/Jakarta"), stream, operator_log=True)
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("waitress").info("Serving on http://127.0.0.1:8080")
    finally:
        logging.getLogger("waitress").removeHandler(handler)
        logging.getLogger("waitress").propagate = True
    assert "Melayani di http://127.0.0.1:8080" in stream.getvalue()
    assert [r.getMessage() for r in caplog.records] == ["Serving on http://127.0.0.1:8080"]
