"""The `python main.py` command group: Flask's AppGroup, domain errors turned into one Indonesian line."""
from __future__ import annotations

import logging
from typing import IO, Any

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo

from .. import i18n
from ..errors import ConfigError, PondokError
from ..office import Office

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Before any command is declared: click fixes some of its words (the --help text) at declaration.
i18n.install()


class StaffError(click.ClickException):
    """One line for staff on stderr and a non-zero exit: click's own error path, without "Error:"."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), err=True, file=file)


def build_app() -> Any:
    """The app from the environment and `.env`, built only when a command needs it."""
    from ..app import create_app

    return create_app()


class PondokGroup(AppGroup):
    """Commands that need the office get the app built once (or a test's, via `obj`); errors become lines."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        extra.setdefault("obj", ScriptInfo(create_app=build_app, set_debug_flag=False))
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            raise StaffError(f"Konfigurasi salah: {error}", exit_code=2) from None
        except PondokError as error:
            raise StaffError(str(error)) from None
        except OSError as error:  # a folder or file the command needs: named, never a traceback
            where = f" ({error.filename})" if error.filename else ""
            raise StaffError(f"Berkas atau folder tidak bisa dipakai{where}: {error.strerror or error}.") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # the last net: staff see one line; -v shows the operator the traceback
            logging.getLogger(__name__).debug("command failed", exc_info=True)
            if logging.getLogger().isEnabledFor(logging.INFO):
                raise
            raise StaffError(f"Terjadi kesalahan tak terduga ({type(error).__name__}). Jalankan lagi dengan "
                             "-v untuk rincian teknisnya.") from None


def office() -> Office:
    """The Office of the app the running command was given."""
    return current_app.extensions["pondok"]


@click.group(cls=PondokGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan log teknis (bahasa Inggris) untuk operator.")
def cli(verbose: bool) -> None:
    """Pondok Sheets: layanan surat desa dengan Google Sheet sebagai register."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT)
