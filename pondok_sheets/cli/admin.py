"""`python main.py` commands for preparing and reporting: init-sheet, doctor, poster, rekap, panduan."""
from __future__ import annotations

from pathlib import Path

import click

from ..documents.posters import Masthead, write_poster
from ..documents.rekap import parse_month, write_rekap
from ..errors import MissingHeader, StoreError
from ..flow.catalogue import prepare, refresh_catalog
from ..flow.catalogue import rekap as build_rekap
from ..office import Office
from ..register.catalog import find_service
from ..register.model import Service
from .doctor import examine, is_healthy
from .group import StaffError, cli, office


@cli.command("init-sheet")
def init_sheet() -> None:
    """Siapkan register: tab, judul kolom, pilihan Status, warna, perlindungan kolom, isi awal."""
    try:
        done = prepare(office())
    except StoreError as error:
        raise StaffError(f"Gagal menyiapkan register: {error}") from None
    for line in done:
        click.echo(f"- {line}")
    click.echo("Register sudah siap." if done else "Register sudah siap; tidak ada yang perlu diubah.")


@cli.command()
def doctor() -> None:
    """Periksa pengaturan, akses ke register dan judul kolomnya; kode keluar 0 bila semua beres."""
    findings = examine(office())
    for finding in findings:
        click.echo(f"[{finding.level}] {finding.text}")
    if not is_healthy(findings):
        raise click.exceptions.Exit(1)


@cli.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="File tujuan: .pdf untuk dicetak, .png untuk dibagikan di grup WhatsApp.")
@click.option("--service", "--layanan", "code", default=None, metavar="KODE",
              help="Poster satu layanan dengan kode QR besar.")
def poster(out: str, code: str | None) -> None:
    """Buat poster A4 berisi kode QR tiap layanan, chat WhatsApp dan cek status."""
    here = office()
    services = _poster_services(here)
    only = None
    if code is not None:
        only = find_service(services, code)
        if only is None:
            raise StaffError(f"Layanan '{code}' tidak ada atau tidak aktif. Kode yang ada: "
                             f"{', '.join(s.code for s in services)}", 2)
    masthead = Masthead(here.settings.village, here.settings.office_hours, here.links)
    try:
        write_poster(masthead, services, Path(out), only)
    except ValueError as error:
        raise StaffError(str(error), 2) from None
    click.echo(f"Poster disimpan: {out}")
    if not here.settings.public_url:
        click.echo("PERINGATAN: PONDOK_PUBLIC_URL belum diisi; kode QR menunjuk ke http://localhost:8080.", err=True)


def _poster_services(here: Office) -> list[Service]:
    """The catalogue read from the sheet now; if the sheet cannot be read, the one of the last sync,
    saying so; never the built-in services passed off as the office's."""
    if not here.settings.uses_google:
        return here.state.meta.services()
    try:
        refresh_catalog(here)
    except (StoreError, MissingHeader) as error:
        if not here.state.meta.get("services"):
            raise StaffError(f"Tab Layanan tidak bisa dibaca ({error}); poster tidak dibuat, karena daftar "
                             "layanan kantor belum pernah terbaca. Perbaiki aksesnya (python main.py doctor) "
                             "lalu coba lagi.") from None
        when = here.state.meta.get("synced_at", "") or "sinkron terakhir"
        click.echo(f"PERINGATAN: Tab Layanan tidak bisa dibaca ({error}); poster memakai daftar layanan dari "
                   f"sinkron terakhir ({when}).", err=True)
    return here.state.meta.services()


@cli.command()
@click.option("--bulan", required=True, metavar="TAHUN-BULAN", help="Bulan rekap, misalnya 2026-11.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="rekap.xlsx atau rekap.csv")
def rekap(bulan: str, out: str) -> None:
    """Rekap bulanan untuk kecamatan: baris register bulan itu dan ringkasan per layanan dan saluran."""
    try:
        year, month = parse_month(bulan)
        files = write_rekap(build_rekap(office(), year, month), Path(out))
    except (ValueError, StoreError) as error:
        raise StaffError(str(error), 2) from None
    click.echo("Rekap disimpan: " + ", ".join(str(f) for f in files))


@cli.command(with_appcontext=False)
def panduan() -> None:
    """Perbarui tabel status di docs/panduan-petugas.md dari kalimat Pesan bawaan."""
    from .guide import GUIDE, refresh_guide

    click.echo(f"{GUIDE} diperbarui." if refresh_guide() else f"{GUIDE} sudah sesuai.")
