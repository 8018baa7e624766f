"""`python main.py` commands for preparing and reporting: init-sheet, doctor, poster, rekap, panduan."""
from __future__ import annotations

import sys

import click
from flask import Flask

from .cli import cli, with_app


@cli.command("init-sheet")
@with_app
def init_sheet(app: Flask) -> None:
    """Siapkan register: tab, judul kolom, pilihan Status, warna, perlindungan kolom, isi awal."""
    from .stores import StoreError

    try:
        done = app.extensions["pondok"].prepare()
    except StoreError as error:
        click.echo(f"Gagal menyiapkan register: {error}", err=True)
        sys.exit(1)
    for line in done:
        click.echo(f"- {line}")
    click.echo("Register sudah siap." if done else "Register sudah siap; tidak ada yang perlu diubah.")


@cli.command()
@with_app
def doctor(app: Flask) -> None:
    """Periksa pengaturan, akses ke register dan judul kolomnya; kode keluar 0 bila semua beres."""
    from .doctor import examine, is_healthy

    findings = examine(app.extensions["pondok"])
    for finding in findings:
        click.echo(f"[{finding.level}] {finding.text}")
    if not is_healthy(findings):
        sys.exit(1)


@cli.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="File tujuan: .pdf untuk dicetak, .png untuk dibagikan di grup WhatsApp.")
@click.option("--service", "--layanan", "code", default=None, metavar="KODE",
              help="Poster satu layanan dengan kode QR besar.")
@with_app
def poster(app: Flask, out: str, code: str | None) -> None:
    """Buat poster A4 berisi kode QR tiap layanan, chat WhatsApp dan cek status."""
    from pathlib import Path

    from .intake import find_service
    from .posters import write_poster

    office = app.extensions["pondok"]
    services = office.services()
    only = None
    if code is not None:
        only = find_service(services, code)
        if only is None:
            click.echo(f"Layanan '{code}' tidak ada atau tidak aktif. Kode yang ada: "
                       f"{', '.join(s.code for s in services)}", err=True)
            sys.exit(2)
    try:
        write_poster(office.settings, services, Path(out), only)
    except ValueError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(f"Poster disimpan: {out}")
    if not office.settings.public_url:
        click.echo("PERINGATAN: PONDOK_PUBLIC_URL belum diisi; kode QR menunjuk ke http://localhost:8080.", err=True)


@cli.command()
@click.option("--bulan", required=True, metavar="TAHUN-BULAN", help="Bulan rekap, misalnya 2026-11.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="rekap.xlsx atau rekap.csv")
@with_app
def rekap(app: Flask, bulan: str, out: str) -> None:
    """Rekap bulanan untuk kecamatan: baris register bulan itu dan ringkasan per layanan dan saluran."""
    from pathlib import Path

    from .report import build_rekap, parse_month, write_rekap
    from .stores import StoreError

    try:
        year, month = parse_month(bulan)
        files = write_rekap(build_rekap(app.extensions["pondok"], year, month), Path(out))
    except (ValueError, StoreError) as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo("Rekap disimpan: " + ", ".join(str(f) for f in files))


@cli.command()
def panduan() -> None:
    """Perbarui tabel status di docs/panduan-petugas.md dari kalimat Pesan bawaan."""
    from .guide import GUIDE, refresh_guide

    click.echo(f"{GUIDE} diperbarui." if refresh_guide() else f"{GUIDE} sudah sesuai.")
