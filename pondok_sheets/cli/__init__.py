"""`python main.py COMMAND`: what staff and installers type. Output for staff is in Bahasa Indonesia.

    group.py      the command group (commands loaded when asked for), errors as one line
    tick.py       tick: the jobs that are due, for cron (its idle path imports little)
    commands.py   serve, sync, set-status, outbox, demo
    admin.py      init-sheet, doctor, poster, rekap, panduan; setup_wizard.py: setup
    letters.py    surat
    voice.py      skm (the survey report)

`cli` here is the whole group, every command loaded; `main` loads only what the command run needs.
"""
from __future__ import annotations

from typing import Any

__all__ = ["cli", "main"]


def load_commands() -> None:
    """Import every command module, so the group lists every command."""
    from .. import i18n
    from . import admin, commands, letters, tick, voice  # noqa: F401  (their commands join the group)
    from .group import cli
    from .setup_wizard import setup

    if "setup" not in cli.commands:
        cli.add_command(setup)
    i18n.localize_usage(cli)  # [OPSI], PERINTAH [ARGUMEN]..., as staff read them


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .group import cli

        load_commands()
        return cli
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> None:
    """Entry point for `python main.py`."""
    from .group import cli

    cli.main(args=argv, prog_name="python main.py")
