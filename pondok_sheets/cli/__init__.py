"""`python main.py COMMAND`: what staff and installers type. Output for staff is in Bahasa Indonesia.

    group.py      the command group, errors as one line
    commands.py   serve, tick, sync, set-status, outbox, demo
    admin.py      init-sheet, doctor, poster, rekap, panduan; setup_wizard.py: setup
    voice.py      skm (the survey report)
"""
from __future__ import annotations

from .. import i18n
from . import admin, commands, voice  # noqa: F401  (their commands join the group)
from .group import cli
from .setup_wizard import setup

cli.add_command(setup)
i18n.localize_usage(cli)  # [OPSI], PERINTAH [ARGUMEN]..., as staff read them

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point for `python main.py`."""
    cli.main(args=argv, prog_name="python main.py")
