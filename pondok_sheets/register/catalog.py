"""The services a village office offers: the default catalogue and reading the Layanan tab."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .field_defaults import DEFAULT_FIELDS
from .model import Service
from .validation import is_yes

NO_FIELDS = "-"  # an Isian cell holding only this: the service asks nothing beyond name and NIK

# Seeded into Layanan on first start; staff edit it there. Requirements are written as
# residents read them on the form and the poster.
DEFAULT_SERVICES: tuple[Service, ...] = (
    Service("SKD", "Surat Keterangan Domisili", (
        "Fotokopi KTP", "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW"), 2),
    Service("SKTM", "Surat Keterangan Tidak Mampu (SKTM)", (
        "Fotokopi KTP", "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW",
        "Sebutkan keperluannya (sekolah, rumah sakit, atau bantuan)"), 2),
    Service("PKK", "Surat Pengantar Kartu Keluarga (KK)", (
        "Kartu Keluarga lama (asli)", "Fotokopi KTP", "Surat pengantar RT/RW",
        "Dokumen pendukung perubahan (akta lahir, buku nikah, atau surat pindah)"), 3),
    Service("PKTP", "Surat Pengantar KTP Elektronik", (
        "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW", "Sudah berusia 17 tahun atau sudah menikah"), 2),
    Service("SKU", "Surat Keterangan Usaha", (
        "Fotokopi KTP", "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW",
        "Foto tempat usaha", "Sebutkan nama dan alamat usaha"), 3),
    Service("SKL", "Surat Keterangan Kelahiran", (
        "Surat keterangan lahir dari bidan atau rumah sakit", "Fotokopi KTP kedua orang tua",
        "Fotokopi Kartu Keluarga", "Fotokopi buku nikah orang tua"), 2),
    Service("SKCK", "Surat Pengantar SKCK", (
        "Fotokopi KTP", "Fotokopi Kartu Keluarga", "Surat pengantar RT/RW",
        "Pas foto 4x6 berlatar merah, 2 lembar"), 1),
    Service("SKM", "Surat Keterangan Kematian", (
        "Fotokopi KTP almarhum/almarhumah", "Fotokopi Kartu Keluarga",
        "Surat keterangan kematian dari rumah sakit atau RT", "Fotokopi KTP pelapor"), 1),
)

def _with_defaults(services: tuple[Service, ...]) -> tuple[Service, ...]:
    return tuple(Service(**{**s.__dict__, "isian": DEFAULT_FIELDS.get(s.code, "")}) for s in services)


DEFAULT_SERVICES = _with_defaults(DEFAULT_SERVICES)


def isian_of(code: str, cell: str) -> str:
    """The Isian text a service uses: an empty cell (or a sheet without the column) means the
    built-in fields of a built-in service, so offices upgrading get letters without retyping."""
    cell = str(cell or "").strip()
    if cell == NO_FIELDS:
        return ""
    return cell or DEFAULT_FIELDS.get(code.upper(), "")


def split_requirements(text: str) -> tuple[str, ...]:
    """Requirements typed one per line or separated by semicolons."""
    parts = re.split(r"[\n;]+", text)
    return tuple(p.strip(" -•\t") for p in parts if p.strip(" -•\t"))


def service_to_row(service: Service) -> dict[str, str]:
    """A service as a Layanan row (header -> value)."""
    return {
        "Kode": service.code, "Layanan": service.name,
        "Persyaratan": "\n".join(service.requirements), "Lama (hari)": str(service.days),
        "Aktif": "Ya" if service.active else "Tidak", "Formulir": service.form_url,
        "Isian": service.isian or NO_FIELDS, "Kode Surat": service.letter_code, "Format Nomor": service.number_format,
        "Survei": "Ya" if service.survey else "Tidak",
    }


def service_to_dict(service: Service) -> dict[str, object]:
    """A service as plain JSON values, for the local snapshot."""
    return {**service.__dict__, "requirements": list(service.requirements)}


def service_from_dict(data: Mapping[str, object]) -> Service:
    """The service `service_to_dict` wrote."""
    return Service(**{**data, "requirements": tuple(data["requirements"])})  # type: ignore[arg-type]


def services_from_rows(rows: list[Mapping[str, str]]) -> list[Service]:
    """Layanan tab rows as services; rows without a code or name are skipped."""
    services = []
    for row in rows:
        code = str(row.get("Kode", "")).strip().upper()
        name = str(row.get("Layanan", "")).strip()
        if not code or not name:
            continue
        days_text = re.sub(r"\D", "", str(row.get("Lama (hari)", "")))
        services.append(Service(
            code=code, name=name,
            requirements=split_requirements(str(row.get("Persyaratan", ""))),
            days=int(days_text) if days_text else 0,
            active=is_yes(row.get("Aktif", "Ya")) or not str(row.get("Aktif", "")).strip(),
            form_url=str(row.get("Formulir", "")).strip(),
            isian=isian_of(code, row.get("Isian", "")),
            letter_code=str(row.get("Kode Surat", "")).strip(),
            number_format=str(row.get("Format Nomor", "")).strip(),
            survey=is_yes(row.get("Survei", "Ya")) or not str(row.get("Survei", "")).strip(),
        ))
    return services


def find_service(services: Sequence[Service], code_or_name: str) -> Service | None:
    """The service with this code or name (any case), active or not."""
    wanted = " ".join(str(code_or_name).split()).casefold()
    for service in services:
        if wanted in (service.code.casefold(), service.name.casefold()):
            return service
    return None


def service_name(services: Sequence[Service], text: str) -> str:
    """The catalogue name of the service `text` names (code or name), or `text` as typed."""
    service = find_service(services, text)
    return service.name if service else text
