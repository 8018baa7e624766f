"""Settings from PONDOK_* environment variables and `.env`, parsed once and typed."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from .errors import ConfigError
from .register.forms import parse_overrides
from .register.letter_numbers import DEFAULT_FORMAT, check_format
from .register.model import Status
from .register.validation import Phone, parse_phone

WA_PROVIDERS = ("console", "cloud", "links")
DEFAULT_WA_API_URL = "https://graph.facebook.com/v26.0"


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    sheet_id: str = ""
    google_credentials: str = "credentials.json"
    google_credentials_json: str = ""
    data_dir: Path = Path("instance")
    village: str = "Pondok"
    ticket_prefix: str = "PDK"
    public_url: str = ""
    timezone: ZoneInfo = ZoneInfo("Asia/Jakarta")
    secret_key: str = ""
    task_token: str = ""
    staff_wa: tuple[Phone, ...] = ()
    quiet_hours: tuple[time, time] | None = (time(21), time(7))
    digest_at: time = time(7, 30)
    sync_minutes: int = 2
    settle_minutes: int = 3
    uncertain_minutes: int = 15  # a send whose outcome is unknown (time-out, crash) waits this long for WhatsApp
    full_read_minutes: int = 15  # the safety net: a full read at least this often, whatever Drive says
    run_seconds: int = 25  # every run (tick, /tasks/tick, a flush) ends by then, Google answering or not
    office_hours: str = "Senin–Kamis 08.00–15.00, Jumat 08.00–11.00"
    office_wa: Phone | None = None  # the office's WhatsApp number, for the chat button and its QR code
    proxy_hops: int = 0  # reverse proxies in front (nginx, a tunnel, a host's): where the client's address comes from
    limiter_uri: str = ""  # the limits' counters; empty: limits.sqlite3 in data_dir, shared by every worker
    wa_provider: str = "console"
    wa_token: str = ""
    wa_phone_number_id: str = ""
    wa_app_secret: str = ""
    wa_verify_token: str = ""
    wa_api_url: str = DEFAULT_WA_API_URL
    wa_template: str = ""
    wa_template_lang: str = "id"
    wa_digest_template: str = ""  # the second utility template: the staff digest outside their 24-hour window
    wa_business_id: str = ""  # the WhatsApp Business Account id, for `doctor` to check the template
    log_keep_days: int = 0  # move Log rows older than this to "Log Arsip"; 0 keeps everything in Log
    form_tab: str = ""  # the linked Google Form's responses tab; empty: found by its timestamp header
    form_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the office's own question titles
    survey_after: str = "Selesai"  # the status whose message carries the survey invitation; "" turns it off
    sheets_api_url: str = ""  # only for tests: where the fake Sheets API listens
    # The letter (issue 14): the kop surat, when letters are drafted, their numbers and links.
    kabupaten: str = ""
    kecamatan: str = ""
    kode_desa: str = ""
    office_address: str = ""
    head_name: str = ""
    letter_status: str = "Diproses"  # drafted when a request reaches this status; "" = only `surat TIKET`
    letter_format: str = DEFAULT_FORMAT
    letter_restart: str = "tahun"
    letter_link_days: int = 30
    letter_dir: Path | None = None  # the office's own .docx templates; None: <data_dir>/surat

    @property
    def templates_dir(self) -> Path:
        """Where the office's own letter templates (`<KODE>.docx`) are looked for."""
        return self.letter_dir or self.data_dir / "surat"

    @property
    def uses_google(self) -> bool:
        """True when the register is a Google Sheet rather than the local default."""
        return bool(self.sheet_id)


def _text(value: str) -> str:
    return value.strip()


def _sheet_id(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    match = re.search(r"/spreadsheets/d/([A-Za-z0-9_-]+)", value)
    key = match.group(1) if match else value
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,}", key):
        raise ValueError("kunci Google Sheet atau URL https://docs.google.com/spreadsheets/d/…")
    return key


def _prefix(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2,6}", value):
        raise ValueError("2–6 huruf, misalnya PDK")
    return value


def _url(value: str) -> str:
    value = value.strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError("alamat web lengkap, misalnya https://layanan.desapondok.id")
    return value


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("nama zona waktu, misalnya Asia/Jakarta, Asia/Makassar atau Asia/Jayapura")


def _clock(value: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError("jam dalam bentuk JJ:MM, misalnya 07:30")
    return time(int(match.group(1)), int(match.group(2)))


def _quiet_hours(value: str) -> tuple[time, time] | None:
    if not value.strip():
        return None
    parts = value.split("-")
    if len(parts) != 2:
        raise ValueError("rentang jam JJ:MM-JJ:MM, misalnya 21:00-07:00, atau kosong")
    return _clock(parts[0]), _clock(parts[1])


def _int(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"\s*\d+\s*", value) or int(value) < minimum:
            raise ValueError(f"bilangan bulat ≥ {minimum}")
        return int(value)
    return parse


def _phones(value: str) -> tuple[Phone, ...]:
    phones = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        phone = parse_phone(part)
        if phone is None:
            raise ValueError("nomor HP Indonesia dipisah koma, misalnya 081234567890,081298765432")
        phones.append(phone)
    return tuple(phones)


def _phone(value: str) -> Phone | None:
    if not value.strip():
        return None
    phone = parse_phone(value)
    if phone is None:
        raise ValueError("nomor HP Indonesia, misalnya 081234567890")
    return phone


def _provider(value: str) -> str:
    value = value.strip().lower()
    if value not in WA_PROVIDERS:
        raise ValueError(" atau ".join(WA_PROVIDERS))
    return value


def _form_fields(value: str) -> dict[str, tuple[str, ...]]:
    return parse_overrides(value)


def _status(value: str) -> str:
    if not value.strip():
        return ""
    status = Status.parse(value)
    if status is None:
        raise ValueError(f"salah satu status: {Status.names()}, atau kosong")
    return status.value


def _restart(value: str) -> str:
    value = value.strip().lower()
    if value not in ("tahun", "bulan", "tidak"):
        raise ValueError("tahun, bulan atau tidak")
    return value


def _number_format(value: str) -> str:
    problems = check_format(value, "tidak")
    if problems:
        raise ValueError(problems[0])
    return value.strip()


def _survey_after(value: str) -> str:
    text = " ".join(value.split())
    if text.casefold() in ("", "tidak", "mati", "off", "no"):
        return ""
    status = Status.parse(text)
    if status is None:
        raise ValueError(f"nama status ({Status.names()}) atau Tidak")
    return status.value


def _path(value: str) -> Path:
    return Path(value.strip()).expanduser()


# Environment variable -> (Settings field, parser).
FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "PONDOK_SHEET_ID": ("sheet_id", _sheet_id),
    "PONDOK_GOOGLE_CREDENTIALS": ("google_credentials", _text),
    "PONDOK_GOOGLE_CREDENTIALS_JSON": ("google_credentials_json", _text),
    "PONDOK_DATA_DIR": ("data_dir", _path),
    "PONDOK_VILLAGE": ("village", _text),
    "PONDOK_TICKET_PREFIX": ("ticket_prefix", _prefix),
    "PONDOK_PUBLIC_URL": ("public_url", _url),
    "PONDOK_TIMEZONE": ("timezone", _zone),
    "PONDOK_SECRET_KEY": ("secret_key", _text),
    "PONDOK_TASK_TOKEN": ("task_token", _text),
    "PONDOK_STAFF_WA": ("staff_wa", _phones),
    "PONDOK_QUIET_HOURS": ("quiet_hours", _quiet_hours),
    "PONDOK_DIGEST_AT": ("digest_at", _clock),
    "PONDOK_SYNC_MINUTES": ("sync_minutes", _int(1)),
    "PONDOK_SETTLE_MINUTES": ("settle_minutes", _int(0)),
    "PONDOK_UNCERTAIN_MINUTES": ("uncertain_minutes", _int(0)),
    "PONDOK_FULL_READ_MINUTES": ("full_read_minutes", _int(1)),
    "PONDOK_RUN_SECONDS": ("run_seconds", _int(1)),
    "PONDOK_OFFICE_HOURS": ("office_hours", _text),
    "PONDOK_OFFICE_WA": ("office_wa", _phone),
    "PONDOK_PROXY_HOPS": ("proxy_hops", _int(0)),
    "PONDOK_LIMITER_URI": ("limiter_uri", _text),
    "PONDOK_WA_PROVIDER": ("wa_provider", _provider),
    "PONDOK_WA_TOKEN": ("wa_token", _text),
    "PONDOK_WA_PHONE_NUMBER_ID": ("wa_phone_number_id", _text),
    "PONDOK_WA_APP_SECRET": ("wa_app_secret", _text),
    "PONDOK_WA_VERIFY_TOKEN": ("wa_verify_token", _text),
    "PONDOK_WA_API_URL": ("wa_api_url", _url),
    "PONDOK_WA_TEMPLATE": ("wa_template", _text),
    "PONDOK_WA_TEMPLATE_LANG": ("wa_template_lang", _text),
    "PONDOK_WA_DIGEST_TEMPLATE": ("wa_digest_template", _text),
    "PONDOK_WA_BUSINESS_ID": ("wa_business_id", _text),
    "PONDOK_LOG_KEEP_DAYS": ("log_keep_days", _int(0)),
    "PONDOK_FORM_TAB": ("form_tab", _text),
    "PONDOK_FORM_FIELDS": ("form_fields", _form_fields),
    "PONDOK_SURVEY_AFTER": ("survey_after", _survey_after),
    "PONDOK_SHEETS_API_URL": ("sheets_api_url", _url),
    "PONDOK_KABUPATEN": ("kabupaten", _text),
    "PONDOK_KECAMATAN": ("kecamatan", _text),
    "PONDOK_KODE_DESA": ("kode_desa", _text),
    "PONDOK_OFFICE_ADDRESS": ("office_address", _text),
    "PONDOK_HEAD_NAME": ("head_name", _text),
    "PONDOK_LETTER_STATUS": ("letter_status", _status),
    "PONDOK_LETTER_FORMAT": ("letter_format", _number_format),
    "PONDOK_LETTER_RESTART": ("letter_restart", _restart),
    "PONDOK_LETTER_LINK_DAYS": ("letter_link_days", _int(1)),
    "PONDOK_LETTER_DIR": ("letter_dir", _path),
}


_PERSONAL = frozenset({"PONDOK_STAFF_WA"})  # the office's own number is public


def load_config(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Settings from `.env` overlaid by the environment; raises ConfigError on a bad value."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    if "GOOGLE_APPLICATION_CREDENTIALS" in values and "PONDOK_GOOGLE_CREDENTIALS" not in values:
        values["PONDOK_GOOGLE_CREDENTIALS"] = values["GOOGLE_APPLICATION_CREDENTIALS"]
    parsed: dict[str, Any] = {}
    for name, (field_name, parse) in FIELDS.items():
        if name not in values:
            continue
        try:
            parsed[field_name] = parse(values[name])
        except ValueError as error:
            # Phone numbers are personal data: never echo them into a log.
            got = None if name in _PERSONAL else values[name]
            raise ConfigError(name, str(error), got) from None
    return Settings(**parsed)


def ensure_secret_key(settings: Settings) -> str:
    """PONDOK_SECRET_KEY, or one generated once and kept in the data folder."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
