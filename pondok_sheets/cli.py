"""`python main.py COMMAND`: what staff and installers type. Output for staff is in Bahasa Indonesia."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask

from .config import ConfigError
from .register.model import Status
from .register.tickets import normalize_ticket


class AppGroup(click.Group):
    """A group whose commands receive the Flask app, built once and only when a command runs."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            click.echo(f"Konfigurasi salah: {error}", err=True)
            ctx.exit(2)


def _app(ctx: click.Context) -> Flask:
    if ctx.obj is None:
        from . import create_app

        ctx.obj = create_app()
    return ctx.obj


def with_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the app (built from the environment, or given by a test as `obj`) as the first argument."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        return command(_app(ctx), *args, **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@click.group(cls=AppGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan log teknis (bahasa Inggris) untuk operator.")
def cli(verbose: bool) -> None:
    """Pondok Sheets: layanan surat desa dengan Google Sheet sebagai register."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT)


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Alamat yang didengarkan.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port web.")
@click.option("--threads", default=4, show_default=True, type=int, help="Jumlah thread waitress.")
@with_app
def serve(app: Flask, host: str, port: int, threads: int) -> None:
    """Jalankan situs web (waitress) beserta jadwal: sinkron, ringkasan pagi, pengingat."""
    from waitress import serve as waitress_serve

    from .scheduler import start_scheduler

    logging.getLogger().setLevel(logging.INFO)  # a server's log is for its operator
    scheduler = start_scheduler(app)
    click.echo(f"Pondok Sheets berjalan di http://{'localhost' if host == '0.0.0.0' else host}:{port}")
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        scheduler.shutdown(wait=False)


@cli.command()
@click.option("--at", "at", default=None, metavar="ISO-TIME",
              help="Jalankan seolah-olah pada waktu ini (uji coba), misalnya 2026-11-27T07:30.")
@with_app
def tick(app: Flask, at: str | None) -> None:
    """Jalankan setiap pekerjaan yang sudah waktunya (sinkron, ringkasan pagi), sekali, lalu selesai."""
    from datetime import datetime

    from .jobs import run_due

    office = app.extensions["pondok"]
    now = office.now()
    if at is not None:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            click.echo(f"--at harus waktu ISO, misalnya 2026-11-27T07:30 (sekarang: {at!r}).", err=True)
            sys.exit(2)
        now = now if now.tzinfo else now.replace(tzinfo=office.settings.timezone)
    result = run_due(office, now, simulated=at is not None)
    office.inbox.wait()  # replies the webhook worker may still be sending
    for line in result.lines():
        click.echo(line)
    if not result.ok:
        sys.exit(1)


@cli.command()
@with_app
def sync(app: Flask) -> None:
    """Sinkron sekarang: masukkan permohonan baru ke register dan kirim kabar perubahan status."""
    from .jobs import flush_now

    office = app.extensions["pondok"]
    summary = flush_now(office, office.now())
    if summary is None:
        click.echo("Sinkron lain sedang berjalan; coba lagi sebentar lagi.")
        return
    click.echo(summary)
    if summary.startswith("GAGAL"):
        sys.exit(1)


@cli.command("set-status")
@click.argument("ticket")
@click.argument("status")
@click.option("--catatan", default=None, help="Catatan petugas untuk pemohon.")
@with_app
def set_status(app: Flask, ticket: str, status: str, catatan: str | None) -> None:
    """Ubah Status (dan Catatan) satu permohonan, seperti petugas di sheet."""
    from .office import UnknownTicket

    office = app.extensions["pondok"]
    parsed = Status.parse(status)
    if parsed is None:
        click.echo(f"Status '{status}' tidak dikenal. Pilih salah satu: {Status.names()}", err=True)
        sys.exit(2)
    try:
        ticket = office.set_status(ticket, parsed, catatan)
    except UnknownTicket:
        shown = normalize_ticket(ticket, office.settings.ticket_prefix)
        click.echo(f"Tiket {shown} tidak ditemukan di register. Status yang bisa dipakai: {Status.names()}",
                   err=True)
        sys.exit(2)
    settle = office.settings.settle_minutes
    click.echo(f"Status {ticket} diubah menjadi {parsed.value}. Pemohon dikabari pada sinkron pertama setelah "
               f"status tidak berubah selama {settle} menit, di luar jam tenang (python main.py sync).")


@cli.command()
@click.option("--limit", default=20, show_default=True, type=int, help="Berapa pesan terakhir.")
@click.option("--terkirim", "ticked", type=int, default=None, metavar="NO",
              help="Mode links: tandai pesan nomor NO sudah dikirim petugas.")
@with_app
def outbox(app: Flask, limit: int, ticked: int | None) -> None:
    """Pesan untuk warga: yang dicetak messenger konsol, atau tautan wa.me yang menunggu dikirim (links)."""
    office = app.extensions["pondok"]
    if office.settings.wa_provider == "links":
        _links_outbox(office, limit, ticked)
        return
    rows = office.state.outbox(limit)
    if not rows:
        click.echo("Belum ada pesan.")
    for at, kepada, kind, ticket, text in rows:
        click.echo(f"[{at}] ke {kepada} · {kind} · {ticket or '-'}")
        click.echo("  " + text.replace("\n", "\n  "))


def _links_outbox(office: Any, limit: int, ticked: int | None) -> None:
    from .register.model import KIRIM_WA
    from .register.table import CellWrite, RowKey

    if ticked is not None:
        if office.settings.uses_google:
            click.echo("Centang kolom Terkirim di tab Kirim WA pada Google Sheet.", err=True)
            sys.exit(2)
        missed = office.store.update(KIRIM_WA.name, [CellWrite(RowKey(cells=(("No", str(ticked)),)),
                                                               "Terkirim", "TRUE")])
        if missed:
            click.echo(f"Pesan nomor {ticked} belum ada di tab Kirim WA (jalankan tick dulu).", err=True)
            sys.exit(2)
        click.echo(f"Pesan nomor {ticked} ditandai terkirim. Pemohon tercatat sudah dikabari pada sinkron berikutnya.")
        return
    links = office.wa.links(limit=limit)
    if not links:
        click.echo("Belum ada pesan.")
    for link in links:
        state = f"terkirim {link.ticked_at}" if link.ticked_at else "belum dikirim"
        click.echo(f"[{link.id}] {link.at} · {link.ticket} · {link.status} · ke {link.kepada} · {state}")
        click.echo(f"  {link.link}")


@cli.command()
@click.option("--jumlah", default=5, show_default=True, type=int, help="Berapa permohonan contoh.")
@with_app
def demo(app: Flask, jumlah: int) -> None:
    """Tambahkan beberapa permohonan contoh ke register lokal."""
    from .demo import add_sample_requests

    office = app.extensions["pondok"]
    if office.settings.uses_google:
        click.echo("demo hanya untuk register lokal; kosongkan PONDOK_SHEET_ID.", err=True)
        sys.exit(2)
    tickets = add_sample_requests(office, jumlah)
    report = office.sync()
    click.echo(f"{len(tickets)} permohonan contoh ditambahkan: {', '.join(tickets)}")
    click.echo(report.summary())


def _register_more() -> None:
    from . import cli_admin  # noqa: F401  (its commands join the group)
    from .setup_wizard import setup

    cli.add_command(setup)


_register_more()


def main(argv: list[str] | None = None) -> None:
    """Entry point for `python main.py`."""
    cli.main(args=argv, prog_name="python main.py")
