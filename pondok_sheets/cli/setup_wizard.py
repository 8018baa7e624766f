"""`setup`: the wizard that prepares `.env` for a village office, one question at a time.

Each question has a default and a flag, so `setup --non-interactive …` works in scripts. A wrong
answer is asked again with the reason (or, non-interactive, stops with it). Secrets are
generated, never echoed, and an existing `.env` is never overwritten without a yes.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..config import FIELDS, Settings, load_config
from ..errors import StoreError
from ..flow.catalogue import prepare
from ..stores.google import GoogleStore
from .doctor import examine, is_healthy
from .group import StaffError

SECRET_KEYS = {"PONDOK_SECRET_KEY", "PONDOK_TASK_TOKEN", "PONDOK_WA_TOKEN", "PONDOK_WA_APP_SECRET"}


class Wizard:
    """Asks (or takes from flags) each answer, validated with the same parsers as the configuration."""

    def __init__(self, interactive: bool, given: dict[str, Any]):
        self.interactive = interactive
        self.given = given

    def ask(self, flag: str, question: str, default: str, env: str | None = None,
            hide: bool = False, check: Callable[[str], Any] | None = None) -> str:
        """One answer: the flag's value, else the typed one, else the default; checked."""
        value = self.given.get(flag)
        while True:
            if value is None:
                value = click.prompt(question, default=default, show_default=not hide and bool(default),
                                     hide_input=hide) if self.interactive else default
            value = str(value).strip()
            reason = self._problem(env, value, check)
            if reason is None:
                return value
            if not self.interactive:
                raise StaffError(f"{question}: {reason}", 2)
            click.echo(f"  {reason} Coba lagi.")
            value = None

    @staticmethod
    def _problem(env: str | None, value: str, check: Callable[[str], Any] | None) -> str | None:
        try:
            if env is not None:
                FIELDS[env][1](value)
            if check is not None:
                check(value)
        except ValueError as error:
            return f"Harus {error}." if env else str(error)
        return None

    def confirm(self, question: str, flag: str, default: bool = False) -> bool:
        """A yes/no: the flag, else the typed answer, else the default."""
        if self.given.get(flag):
            return True
        return click.confirm(question, default=default) if self.interactive else default


def sheet_opens(values: dict[str, str]) -> Callable[[str], None]:
    """A check that the credentials file really opens the sheet (its tabs are listed)."""

    def check(path: str) -> None:
        settings = load_config({**os.environ, "PONDOK_SHEET_ID": values["PONDOK_SHEET_ID"],
                                "PONDOK_GOOGLE_CREDENTIALS": path}, env_file=None)
        store = GoogleStore(replace(settings, google_credentials_json=""))
        try:
            store.tab_names()
        except StoreError as error:
            raise ValueError(f"Sheet belum bisa dibuka: {error}") from None

    return check


def collect(wizard: Wizard) -> dict[str, str]:
    """Every answer, as PONDOK_* values for `.env`."""
    values: dict[str, str] = {}
    values["PONDOK_VILLAGE"] = wizard.ask("desa", "Nama desa", "Pondok", check=_not_empty("Nama desa"))
    values["PONDOK_SHEET_ID"] = wizard.ask(
        "sheet", "URL Google Sheet (kosongkan untuk register lokal)", "", env="PONDOK_SHEET_ID")
    if values["PONDOK_SHEET_ID"] and not wizard.given.get("tanpa_kunci"):
        # An empty answer (or --tanpa-kunci) skips the key: the installer may not have it yet.
        opens = sheet_opens(values)
        values["PONDOK_GOOGLE_CREDENTIALS"] = wizard.ask(
            "kredensial", "File kunci akun layanan (JSON); kosongkan bila belum ada",
            "credentials.json" if Path("credentials.json").is_file() else "",
            check=lambda path: opens(path) if path else None)
    values["PONDOK_WA_PROVIDER"] = wizard.ask(
        "wa_mode", "Mode WhatsApp: links (gratis, petugas mengirim), cloud (API Meta), console (uji coba)",
        "links", env="PONDOK_WA_PROVIDER").lower()
    if values["PONDOK_WA_PROVIDER"] == "cloud":
        values["PONDOK_WA_TOKEN"] = wizard.ask("wa_token", "Token System User WhatsApp", "", hide=True,
                                               check=_not_empty("Token"))
        values["PONDOK_WA_PHONE_NUMBER_ID"] = wizard.ask("wa_phone_number_id", "Phone number ID", "",
                                                         check=_not_empty("Phone number ID"))
        values["PONDOK_WA_APP_SECRET"] = wizard.ask("wa_app_secret", "App Secret", "", hide=True,
                                                    check=_not_empty("App Secret"))
        values["PONDOK_WA_VERIFY_TOKEN"] = wizard.ask("wa_verify_token", "Verify token webhook",
                                                      secrets.token_urlsafe(12))
        values["PONDOK_WA_TEMPLATE"] = wizard.ask("wa_template", "Nama template WhatsApp", "status_permohonan")
        values["PONDOK_WA_BUSINESS_ID"] = wizard.ask("wa_business_id", "WhatsApp Business Account ID (boleh kosong)",
                                                     "")
    values["PONDOK_STAFF_WA"] = wizard.ask("petugas_wa", "Nomor WA petugas untuk ringkasan pagi (pisahkan koma)", "",
                                           env="PONDOK_STAFF_WA")
    values["PONDOK_PUBLIC_URL"] = wizard.ask("url_publik", "Alamat publik situs (https://…)", "",
                                             env="PONDOK_PUBLIC_URL")
    values["PONDOK_OFFICE_HOURS"] = wizard.ask("jam_layanan", "Jam pelayanan kantor",
                                               Settings().office_hours, check=_not_empty("Jam pelayanan"))
    values["PONDOK_OFFICE_WA"] = wizard.ask("wa_kantor", "Nomor WhatsApp kantor (boleh kosong)", "",
                                            env="PONDOK_OFFICE_WA")
    values["PONDOK_SECRET_KEY"] = secrets.token_urlsafe(32)
    values["PONDOK_TASK_TOKEN"] = secrets.token_urlsafe(32)
    return {k: v for k, v in values.items() if v != ""}


def _not_empty(what: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not value:
            raise ValueError(f"{what} wajib diisi.")
    return check


def env_text(values: dict[str, str]) -> str:
    """`.env` content, values quoted so spaces and '#' survive."""
    lines = ["# Dibuat oleh `python main.py setup`. Rahasia: jangan dibagikan dan jangan di-commit."]
    for key, value in values.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{key}="{escaped}"')
    return "\n".join(lines) + "\n"


def shown(values: dict[str, str]) -> list[str]:
    """The answers as printed back: secrets hidden."""
    return [f"  {k} = {'(rahasia, disimpan)' if k in SECRET_KEYS else v}" for k, v in values.items()]


@click.command()
@click.option("--non-interactive", "non_interactive", is_flag=True, help="Jangan bertanya; pakai flag dan bawaan.")
@click.option("--env", "env_path", default=".env", show_default=True, type=click.Path(dir_okay=False),
              help="File yang ditulis.")
@click.option("--timpa", is_flag=True, help="Timpa file .env yang sudah ada tanpa bertanya.")
@click.option("--desa", default=None, help="Nama desa.")
@click.option("--sheet", default=None, help="URL atau kunci Google Sheet; kosong = register lokal.")
@click.option("--kredensial", default=None, help="File kunci akun layanan (JSON).")
@click.option("--tanpa-kunci", "tanpa_kunci", is_flag=True,
              help="Lewati pertanyaan kunci akun layanan (isi nanti; init-sheet dijalankan setelahnya).")
@click.option("--wa-mode", "wa_mode", default=None, help="links, cloud atau console.")
@click.option("--wa-token", "wa_token", default=None, help="Mode cloud: token System User.")
@click.option("--wa-phone-number-id", "wa_phone_number_id", default=None, help="Mode cloud: Phone number ID.")
@click.option("--wa-app-secret", "wa_app_secret", default=None, help="Mode cloud: App Secret.")
@click.option("--wa-verify-token", "wa_verify_token", default=None, help="Mode cloud: verify token webhook.")
@click.option("--wa-template", "wa_template", default=None, help="Mode cloud: nama template.")
@click.option("--wa-business-id", "wa_business_id", default=None, help="Mode cloud: WhatsApp Business Account ID.")
@click.option("--petugas-wa", "petugas_wa", default=None, help="Nomor WA petugas, dipisah koma.")
@click.option("--url-publik", "url_publik", default=None, help="Alamat publik situs.")
@click.option("--jam-layanan", "jam_layanan", default=None, help="Jam pelayanan kantor.")
@click.option("--wa-kantor", "wa_kantor", default=None, help="Nomor WhatsApp kantor.")
def setup(non_interactive: bool, env_path: str, timpa: bool, **given: Any) -> None:
    """Wizard pemasangan: tanya jawab, tulis .env, lalu jalankan init-sheet dan doctor."""
    target = Path(env_path)
    wizard = Wizard(not non_interactive, {**given, "timpa": timpa})
    if target.exists() and not wizard.confirm(f"File {target} sudah ada. Timpa?", "timpa"):
        raise StaffError(f"{target} tidak diubah. Jalankan lagi dengan --timpa untuk menimpanya.")
    click.echo("Menyiapkan Pondok Sheets. Tekan Enter untuk memakai jawaban dalam [kurung].")
    values = collect(wizard)
    target.write_text(env_text(values), encoding="utf-8")
    target.chmod(0o600)
    click.echo(f"\n{target} ditulis:")
    for line in shown(values):
        click.echo(line)
    if values.get("PONDOK_SHEET_ID") and not values.get("PONDOK_GOOGLE_CREDENTIALS"):
        click.echo("\nKunci akun layanan dilewati. Setelah mengunduhnya (README, 'Using the office's Google "
                   "Sheet'), simpan sebagai credentials.json di folder ini, atau tambahkan "
                   "PONDOK_GOOGLE_CREDENTIALS=jalur/kunci.json ke .env, lalu jalankan:\n"
                   "  python main.py init-sheet\n  python main.py doctor")
        return
    _finish(target)


def _finish(target: Path) -> None:
    """init-sheet and doctor on the new settings, then the next steps."""
    from ..app import create_app

    app = create_app(load_config(env_file=target))
    office = app.extensions["pondok"]
    click.echo("\nMenyiapkan register (init-sheet):")
    try:
        done = prepare(office)
    except StoreError as error:
        click.echo(f"- Gagal: {error}")
    else:
        for line in done or ["Register sudah siap; tidak ada yang perlu diubah."]:
            click.echo(f"- {line}")
    click.echo("\nPemeriksaan (doctor):")
    findings = examine(office)
    for finding in findings:
        click.echo(f"[{finding.level}] {finding.text}")
    click.echo("\nLangkah berikutnya:\n"
               "1. Jalankan situs: python main.py serve   (atau pasang di hosting, lihat docs/panduan-pemasangan.md)\n"
               "2. Cetak poster: python main.py poster --out poster.pdf\n"
               "3. Coba ajukan satu permohonan dari HP, lalu ubah Status-nya di sheet.")
    if not is_healthy(findings):
        raise click.exceptions.Exit(1)
