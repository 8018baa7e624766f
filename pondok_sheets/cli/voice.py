"""`python main.py skm`: the survey report (SKM) an office hands to the kecamatan, as a one-page PDF."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import BadPeriod, StoreError
from ..flow.survey import result_from_register
from ..register.survey_index import fmt, parse_period
from .group import StaffError, cli, office


@cli.command()
@click.option("--periode", required=True, metavar="PERIODE",
              help="2026 (tahun), 2026-S2 (semester), 2026-T3 (triwulan) atau 2026-11 (bulan).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File PDF tujuan, misalnya laporan-skm.pdf.")
def skm(periode: str, out: str) -> None:
    """Laporan Survei Kepuasan Masyarakat (IKM, mutu, tabel unsur, grafik, profil, saran) sebagai PDF."""
    try:
        period = parse_period(periode)
    except BadPeriod as error:
        raise StaffError(str(error)) from None
    if not out.lower().endswith(".pdf"):
        raise StaffError("Nama file laporan harus berakhiran .pdf, misalnya laporan-skm.pdf")
    try:
        result = result_from_register(office(), period)
    except StoreError as error:
        raise StaffError(f"Gagal membaca register: {error}") from None
    from ..documents.skm_report import write_skm_report  # reportlab only when a report is asked for

    path = write_skm_report(result, Path(out), office().settings.village)
    if result.overall is None:
        click.echo(f"Belum ada jawaban survei untuk {period.label}; laporan kosong ditulis ke {path}.")
        return
    index = result.overall
    click.echo(f"{period.label}: IKM {fmt(index.ikm)}, mutu {index.grade.letter} ({index.grade.name}), "
               f"{result.respondents} responden. Laporan: {path}")
    if result.is_below_sample:
        click.echo(f"PERHATIAN: responden kurang dari sampel minimal {result.required} untuk "
                   f"{result.served} orang yang dilayani.")
