"""Sample requests for trying the embedded default (made-up people, numbers and NIKs)."""
from __future__ import annotations

from ..flow.intake import submit
from ..office import Office
from ..register.catalog import find_service
from ..register.fields import Field
from ..register.model import Channel

SAMPLES = (
    ("Siti Aminah", "3201014507900001", "0812-3456-7801", "SKD", "Untuk melamar kerja"),
    ("Budi Santoso", "3201010203850002", "+62 813 4567 8902", "SKTM", "Beasiswa sekolah anak"),
    ("Dewi Lestari", "3201015512920003", "62857.1234.5603", "SKU", "Warung sembako"),
    ("Agus Salim", "3201011708800004", "0821 9876 5404", "SKCK", "Melamar kerja di pabrik"),
    ("Rina Marlina", "3201014403950005", "081298765405", "SKL", "Kelahiran anak kedua"),
    ("Joko Widodo", "3201012106610006", "0852-1111-2206", "PKK", "Tambah anggota keluarga"),
)


# Made-up answers to the built-in services' own fields (Isian); other fields get a value of their kind.
ANSWERS = {"tempat_lahir": "Bogor", "tanggal_lahir": "17-08-1990", "pekerjaan": "Wiraswasta",
           "alamat": "Kampung Pondok", "rt": "3", "rw": "1", "nama_usaha": "Warung Berkah", "alamat_usaha": "Jl. Pasar 2",
           "jenis_usaha": "Sembako", "nama_bayi": "Rafi", "nama_ayah": "Budi", "nama_ibu": "Rina"}


def _sample(spec: Field) -> str:
    if spec.kind == "pilihan":
        return spec.choices[0]
    return ANSWERS.get(spec.key) or {"tanggal": "01-11-2026", "angka": "1"}.get(spec.kind, "Contoh")


def add_sample_requests(office: Office, count: int) -> list[str]:
    """Submit `count` sample requests through the form channel; returns their tickets."""
    tickets = []
    for i in range(count):
        name, nik, wa, code, details = SAMPLES[i % len(SAMPLES)]
        service = find_service(office.state.meta.services(active_only=False), code)
        fields = {f.key: _sample(f) for f in (service.fields if service else ())}
        fields.update({"nama": name, "nik": nik, "wa": wa, "keterangan": details, "setuju": "ya"})
        tickets.append(submit(office, code, fields, Channel.FORM))
    return tickets
