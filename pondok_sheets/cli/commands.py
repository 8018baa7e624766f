"""Daily commands: serve, sync, set-status, outbox, demo. Output for staff is in Bahasa Indonesia."""
from __future__ import annotations

import logging
import time

import click

from ..errors import UnknownTicket
from ..flow import jobs, staff
from ..flow.sync import sync as sync_now
from ..register.model import KIRIM_WA, Status
from ..register.table import CellWrite, RowKey
from ..register.tickets import normalize_ticket
from .group import StaffError, cli, office
from .stopping import end_server_loop, stop_on_signals, stopped_line


@cli.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Alamat yang didengarkan.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port web.")
@click.option("--threads", default=4, show_default=True, type=int, help="Jumlah thread waitress.")
def serve(host: str, port: int, threads: int) -> None:
    """Jalankan situs web (waitress) beserta jadwal: sinkron, ringkasan pagi, pengingat."""
    from flask import current_app
    from waitress.server import create_server

    from ..console_log import attach_to_waitress, explain_serve_error
    from ..web.headers import SERVER_IDENT
    from ..web.proxies import waitress_options
    from .scheduler import start_scheduler

    here = office()
    operator_log = logging.getLogger().isEnabledFor(logging.INFO)  # -v
    logging.getLogger().setLevel(logging.INFO)  # a server's log is for its operator
    attach_to_waitress(here.settings.timezone, operator_log=operator_log)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident=SERVER_IDENT,
                               **waitress_options(here.settings))
    except (OSError, ValueError) as error:  # a busy or forbidden port: one line, before anything runs
        raise StaffError(explain_serve_error(error, host, port)) from None
    with stop_on_signals(here, then=end_server_loop):  # before the scheduler's first sync can start
        scheduler = start_scheduler(here)
        click.echo(f"Pondok Sheets berjalan di http://{'localhost' if host == '0.0.0.0' else host}:{port}")
        try:
            server.run()  # returns on a stop (waitress catches KeyboardInterrupt and closes)
        finally:
            server.close()
            # On a stop request the running sync sees it, finishes its send and writes back: wait for it.
            scheduler.shutdown(wait=here.stopping.is_requested())
    click.echo(stopped_line(here) if here.stopping.is_requested() else "Pondok Sheets dihentikan.")


@cli.command()
@click.option("--tunggu", "wait", default=60, show_default=True, type=click.IntRange(0, 600), metavar="DETIK",
              help="Bila sinkron lain (serve, tick) sedang berjalan: tunggu selama ini, lalu jalankan.")
def sync(wait: int) -> None:
    """Sinkron sekarang: masukkan permohonan baru ke register dan kirim kabar perubahan status."""
    here = office()
    deadline = time.monotonic() + wait
    summary = jobs.flush_now(here, here.now())
    if summary is None:
        click.echo(f"Sinkron lain sedang berjalan; menunggu sampai selesai (paling lama {wait} detik)…", err=True)
    while summary is None and time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        summary = jobs.flush_now(here, here.now())
    if summary is None:
        # A script must not believe it synced: say so and exit non-zero.
        raise StaffError(f"Sinkron lain masih berjalan setelah {wait} detik; sinkron ini tidak dijalankan. "
                         "Coba lagi sebentar lagi.", 3)
    click.echo(summary)
    if "GAGAL" in summary:
        raise click.exceptions.Exit(1)


@cli.command("set-status")
@click.argument("ticket")
@click.argument("status")
@click.option("--catatan", default=None, help="Catatan petugas untuk pemohon.")
def set_status(ticket: str, status: str, catatan: str | None) -> None:
    """Ubah Status (dan Catatan) satu permohonan, seperti petugas di sheet."""
    here = office()
    parsed = Status.parse(status)
    if parsed is None:
        raise StaffError(f"Status '{status}' tidak dikenal. Pilih salah satu: {Status.names()}", 2)
    try:
        ticket = staff.set_status(here, ticket, parsed, catatan)
    except UnknownTicket:
        shown = normalize_ticket(ticket, here.settings.ticket_prefix)
        raise StaffError(f"Tiket {shown} tidak ditemukan di register. Status yang bisa dipakai: {Status.names()}",
                         2) from None
    settle = here.settings.settle_minutes
    click.echo(f"Status {ticket} diubah menjadi {parsed.value}. Pemohon dikabari pada sinkron pertama setelah "
               f"status tidak berubah selama {settle} menit, di luar jam tenang (python main.py sync).")


@cli.command()
@click.option("--limit", default=20, show_default=True, type=int, help="Berapa pesan terakhir.")
@click.option("--terkirim", "ticked", type=int, default=None, metavar="NO",
              help="Mode links: tandai pesan nomor NO sudah dikirim petugas.")
def outbox(limit: int, ticked: int | None) -> None:
    """Pesan untuk warga: yang dicetak messenger konsol, atau tautan wa.me yang menunggu dikirim (links)."""
    here = office()
    if here.settings.wa_provider == "links":
        _links_outbox(limit, ticked)
        return
    rows = here.state.outbox.latest(limit)
    if not rows:
        click.echo("Belum ada pesan.")
    for at, kepada, kind, ticket, text in rows:
        click.echo(f"[{at}] ke {kepada} · {kind} · {ticket or '-'}")
        click.echo("  " + text.replace("\n", "\n  "))


def _links_outbox(limit: int, ticked: int | None) -> None:
    here = office()
    if ticked is not None:
        if here.settings.uses_google:
            raise StaffError("Centang kolom Terkirim di tab Kirim WA pada Google Sheet.", 2)
        missed = here.store.update(KIRIM_WA.name, [CellWrite(RowKey(cells=(("No", str(ticked)),)), "Terkirim", "TRUE")])
        if missed:
            raise StaffError(f"Pesan nomor {ticked} belum ada di tab Kirim WA (jalankan tick dulu).", 2)
        click.echo(f"Pesan nomor {ticked} ditandai terkirim. Pemohon tercatat sudah dikabari pada sinkron berikutnya.")
        return
    links = here.state.links.latest(limit=limit)
    if not links:
        click.echo("Belum ada pesan.")
    for link in links:
        state = f"terkirim {link.ticked_at}" if link.ticked_at else "belum dikirim"
        click.echo(f"[{link.id}] {link.at} · {link.ticket} · {link.status} · ke {link.kepada} · {state}")
        click.echo(f"  {link.link}")


@cli.command()
@click.option("--jumlah", default=5, show_default=True, type=int, help="Berapa permohonan contoh.")
def demo(jumlah: int) -> None:
    """Tambahkan beberapa permohonan contoh ke register lokal."""
    from .demo import add_sample_requests

    here = office()
    if here.settings.uses_google:
        raise StaffError("demo hanya untuk register lokal; kosongkan PONDOK_SHEET_ID.", 2)
    tickets = add_sample_requests(here, jumlah)
    report = sync_now(here)
    click.echo(f"{len(tickets)} permohonan contoh ditambahkan: {', '.join(tickets)}")
    click.echo(report.summary())
