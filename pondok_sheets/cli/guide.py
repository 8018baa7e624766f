"""The staff guide's status table, generated from the default Pesan wording so it stays true."""
from __future__ import annotations

import re
from pathlib import Path

from ..register.messages import DEFAULT_WORDING, render
from ..register.model import Status

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "panduan-petugas.md"
START, END = "<!-- tabel-status:mulai -->", "<!-- tabel-status:selesai -->"
MEANING = {
    Status.BARU: "Permohonan baru masuk; belum dikerjakan. Diisi otomatis untuk baris baru.",
    Status.DIPROSES: "Petugas sedang membuat atau memeriksa surat.",
    Status.PERLU_DILENGKAPI: "Ada yang kurang. Tulis apa yang kurang di Catatan: kalimat itu ikut terkirim.",
    Status.SIAP_DIAMBIL: "Surat sudah jadi dan bisa diambil di kantor desa.",
    Status.SELESAI: "Surat sudah diambil warga; permohonan ditutup.",
    Status.DITOLAK: "Permohonan tidak bisa diproses. Tulis alasannya di Catatan.",
}
SAMPLE = {"nama": "Siti Aminah", "tiket": "PDK-7K3QM9X", "layanan": "Surat Keterangan Domisili",
          "catatan": "(isi kolom Catatan)", "desa": "Pondok", "tautan": "https://…/tiket/PDK-7K3QM9X",
          "nomor_surat": "470/012/DS-PDK/XII/2026"}


def status_table() -> str:
    """The Markdown table: each status, what it means, and the message the resident gets."""
    lines = ["| Status | Artinya | Pesan yang diterima warga (contoh) |", "|---|---|---|"]
    for status, wording in DEFAULT_WORDING.items():
        text = render(wording, {**SAMPLE, "status": status.value}).replace("|", "\\|").replace("\n", "<br>")
        lines.append(f"| **{status.value}** | {MEANING[status]} | {text} |")
    return "\n".join(lines)


def refresh_guide(path: Path = GUIDE) -> bool:
    """Put the current table between the markers; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    updated = pattern.sub(lambda _: f"{START}\n{status_table()}\n{END}", text, count=1)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
