"""Sample requests for trying the embedded default (made-up people, numbers and NIKs)."""
from __future__ import annotations

from ..flow.intake import submit
from ..office import Office
from ..register.model import Channel

SAMPLES = (
    ("Siti Aminah", "3201014507900001", "0812-3456-7801", "SKD", "Untuk melamar kerja"),
    ("Budi Santoso", "3201010203850002", "+62 813 4567 8902", "SKTM", "Beasiswa sekolah anak"),
    ("Dewi Lestari", "3201015512920003", "62857.1234.5603", "SKU", "Warung sembako"),
    ("Agus Salim", "3201011708800004", "0821 9876 5404", "SKCK", "Melamar kerja di pabrik"),
    ("Rina Marlina", "3201014403950005", "081298765405", "SKL", "Kelahiran anak kedua"),
    ("Joko Widodo", "3201012106610006", "0852-1111-2206", "PKK", "Tambah anggota keluarga"),
)


def add_sample_requests(office: Office, count: int) -> list[str]:
    """Submit `count` sample requests through the form channel; returns their tickets."""
    tickets = []
    for i in range(count):
        name, nik, wa, code, details = SAMPLES[i % len(SAMPLES)]
        fields = {"nama": name, "nik": nik, "wa": wa, "keterangan": details, "setuju": "ya"}
        tickets.append(submit(office, code, fields, Channel.FORM))
    return tickets
