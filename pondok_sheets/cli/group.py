"""The `python main.py` command group: commands loaded when asked for, the app built only when a
command needs it, domain errors turned into one Indonesian line.

Flask is imported only by a command that needs the app: a cron `tick` with nothing due
imports neither Flask nor the command modules it does not run (`LEAN`).
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import update_wrapper
from typing import IO, TYPE_CHECKING, Any

import click

from .. import i18n
from ..errors import ConfigError, PondokError

if TYPE_CHECKING:
    from ..office import Office

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Commands whose module is light and loaded alone; every other name loads every command module.
LEAN = {"tick": "pondok_sheets.cli.tick"}

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


class AppSource:
    """Builds the app once, on first use (what Flask's ScriptInfo does, without importing Flask)."""

    def __init__(self, create_app: Callable[[], Any] = build_app):
        self.create_app = create_app
        self._app: Any = None

    def load_app(self) -> Any:
        """The app, built on the first call."""
        if self._app is None:
            self._app = self.create_app()
        return self._app


def is_from_environment(source: Any) -> bool:
    """True when the command runs on the environment's settings, not on an app a test handed in."""
    return getattr(source, "create_app", None) is build_app


def with_app(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside the app's context (the app built on first use), as Flask's CLI does."""

    @click.pass_context
    def run(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        from flask import current_app

        if not current_app:
            ctx.with_resource(ctx.obj.load_app().app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(run, f)


class PondokGroup(click.Group):
    """Commands that need the office get the app built once (or a test's, via `obj`); errors become lines."""

    def command(self, *args: Any, with_appcontext: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        """Declare a command; unless `with_appcontext=False` it runs inside the app's context."""
        declare = super().command(*args, **kwargs)
        return (lambda f: declare(with_app(f))) if with_appcontext else declare

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        extra.setdefault("obj", AppSource())
        return super().make_context(info_name, args, parent, **extra)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in LEAN:
                importlib.import_module(LEAN[cmd_name])
                i18n.localize_usage(self)
            else:
                load_every_command()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_every_command()
        return super().list_commands(ctx)

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


def load_every_command() -> None:
    """Import every command module (help, staff commands, tests)."""
    from . import load_commands

    load_commands()


def office() -> Office:
    """The Office of the app the running command was given."""
    from flask import current_app

    return current_app.extensions["pondok"]


@click.group(cls=PondokGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan log teknis (bahasa Inggris) untuk operator.")
def cli(verbose: bool) -> None:
    """Pondok Sheets: layanan surat desa dengan Google Sheet sebagai register."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT)
