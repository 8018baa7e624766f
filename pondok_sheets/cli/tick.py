"""`tick`: run every job that is due, once, for cron. With nothing due it stays small.

A cron tick every two minutes mostly finds nothing to do. It finds that out from the job
clocks in local state alone: no web app, no Google, no WhatsApp client, none of the modules
the jobs import. Only when a job is due is the app built and the job run.
"""
from __future__ import annotations

from datetime import datetime

import click

from .group import StaffError, cli, is_from_environment
from .stopping import stop_on_signals, stopped_line


def _moment(at: str | None, zone: object, now: datetime) -> datetime:
    if at is None:
        return now
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise StaffError(f"--at harus waktu ISO, misalnya 2026-11-27T07:30 (sekarang: {at!r}).", 2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)  # type: ignore[arg-type]


class Desk:
    """What the due checks read: the settings and the local state, without the rest of an Office."""

    def __init__(self) -> None:
        from ..config import ensure_secret_key, load_config
        from ..state import State

        self.settings = load_config()
        self.state = State(self.settings.data_dir / "state.sqlite3", ensure_secret_key(self.settings))


@cli.command(with_appcontext=False)
@click.option("--at", "at", default=None, metavar="ISO-TIME",
              help="Jalankan seolah-olah pada waktu ini (uji coba), misalnya 2026-11-27T07:30.")
@click.pass_context
def tick(ctx: click.Context, at: str | None) -> None:
    """Jalankan setiap pekerjaan yang sudah waktunya (sinkron, ringkasan pagi), sekali, lalu selesai."""
    from ..flow import jobs

    if is_from_environment(ctx.obj):
        desk = Desk()
        now = _moment(at, desk.settings.timezone, datetime.now(desk.settings.timezone))
        try:
            idle = not jobs.due_jobs(desk, now, simulated=at is not None)  # type: ignore[arg-type]
        except AttributeError:  # a due check that needs more than settings and state: ask the Office
            idle = False
        if idle:
            for job in jobs.JOBS:
                click.echo(f"{job.name}: belum waktunya")
            return
    office = ctx.obj.load_app().extensions["pondok"]
    now = _moment(at, office.settings.timezone, office.now())
    with stop_on_signals(office):
        result = jobs.run_due(office, now, simulated=at is not None)
    for line in result.lines():
        click.echo(line)
    if office.stopping.is_requested():
        click.echo(stopped_line(office))
    if not result.ok:
        raise click.exceptions.Exit(1)
