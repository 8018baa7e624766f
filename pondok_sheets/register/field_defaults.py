"""The default Isian (extra fields) of the eight built-in services, as staff see them in Layanan.

Chosen from what Indonesian village letters print: the person block of OpenSID's
letter templates and of the Dukcapil forms (tempat/tanggal lahir, jenis kelamin,
agama, status perkawinan, pekerjaan, kewarganegaraan, alamat with RT/RW and dusun), plus
each letter's own facts (the business for SKU, the deceased, the day, hour, place and cause
of death and the burial place for SKM, as OpenSID's surat keterangan kematian asks, the
baby and the parents for SKL, the purpose for SKTM, SKD and SKCK). Choice lists
follow the values Dukcapil uses, so the letters match the KTP and Kartu Keluarga.
"""
from __future__ import annotations

_PERSON = """\
Tempat lahir | tempat_lahir | wajib | teks
Tanggal lahir | tanggal_lahir | wajib | tanggal
Jenis kelamin | jenis_kelamin | wajib | pilihan: Laki-laki, Perempuan
Agama | agama | wajib | pilihan: Islam, Kristen, Katolik, Hindu, Buddha, Khonghucu, Kepercayaan terhadap Tuhan YME
Status perkawinan | status_perkawinan | wajib | pilihan: Belum kawin, Kawin, Cerai hidup, Cerai mati
Pekerjaan | pekerjaan | wajib | teks
Kewarganegaraan | kewarganegaraan | opsional | pilihan: WNI, WNA
"""
_ADDRESS = """\
Alamat (jalan/kampung) | alamat | wajib | teks
RT | rt | wajib | angka
RW | rw | wajib | angka
Dusun | dusun | opsional | teks
"""
_PURPOSE = "Keperluan | keperluan | wajib | teks\n"

DEFAULT_FIELDS: dict[str, str] = {
    "SKD": _PERSON + _ADDRESS + "Tinggal di alamat ini sejak | tinggal_sejak | opsional | teks\n" + _PURPOSE,
    "SKTM": _PERSON + _ADDRESS
    + "Penghasilan keluarga per bulan (Rp) | penghasilan | opsional | angka\n"
    + "Jumlah tanggungan keluarga | jumlah_tanggungan | opsional | angka\n"
    + "Keperluan (sekolah, rumah sakit, bantuan) | keperluan | wajib | teks\n",
    "PKK": _PERSON + _ADDRESS
    + "Nomor Kartu Keluarga | nomor_kk | opsional | angka\n"
    + "Alasan permohonan | alasan_kk | wajib | pilihan: Membuat KK baru, Menambah anggota keluarga, "
      "Mengurangi anggota keluarga, Perubahan data, KK hilang atau rusak\n",
    "PKTP": _PERSON + _ADDRESS
    + "Nomor Kartu Keluarga | nomor_kk | opsional | angka\n"
    + "Jenis permohonan | jenis_ktp | wajib | pilihan: Baru, Perubahan data, Hilang atau rusak\n",
    "SKU": _PERSON + _ADDRESS
    + "Nama usaha | nama_usaha | wajib | teks\n"
    + "Jenis usaha | jenis_usaha | wajib | teks\n"
    + "Alamat usaha | alamat_usaha | wajib | teks\n"
    + "Usaha berjalan sejak (tahun) | usaha_sejak | opsional | angka\n"
    + _PURPOSE,
    # The requester of a birth letter is the reporting parent; the baby's facts are the letter's.
    "SKL": "Jenis kelamin pelapor | jenis_kelamin | wajib | pilihan: Laki-laki, Perempuan\n"
    + "Pekerjaan pelapor | pekerjaan | wajib | teks\n" + _ADDRESS
    + "Nama bayi | nama_bayi | wajib | teks\n"
    + "Jenis kelamin bayi | jenis_kelamin_bayi | wajib | pilihan: Laki-laki, Perempuan\n"
    + "Tempat lahir bayi | tempat_lahir_bayi | wajib | teks\n"
    + "Tanggal lahir bayi | tanggal_lahir_bayi | wajib | tanggal\n"
    + "Anak ke | anak_ke | opsional | angka\n"
    + "Nama ayah | nama_ayah | wajib | teks\n"
    + "Nama ibu | nama_ibu | wajib | teks\n"
    + "Hubungan pelapor dengan bayi | hubungan_pelapor | wajib | pilihan: Ayah, Ibu, Keluarga lain\n",
    "SKCK": _PERSON + _ADDRESS + "Keperluan (mis. melamar pekerjaan) | keperluan | wajib | teks\n",
    # The requester of a death letter is the reporter; the cause list is SIAK's (form F-2.01).
    "SKM": "Pekerjaan pelapor | pekerjaan | wajib | teks\n" + _ADDRESS
    + "Nama almarhum/almarhumah | nama_almarhum | wajib | teks\n"
    + "NIK almarhum/almarhumah | nik_almarhum | opsional | angka\n"
    + "Jenis kelamin almarhum | jenis_kelamin_almarhum | wajib | pilihan: Laki-laki, Perempuan\n"
    + "Umur (tahun) | umur_almarhum | opsional | angka\n"
    + "Tanggal meninggal | tanggal_meninggal | wajib | tanggal\n"
    + "Jam meninggal (mis. 14.30) | jam_meninggal | opsional | teks\n"
    + "Tempat meninggal | tempat_meninggal | wajib | teks\n"
    + "Sebab meninggal | sebab_meninggal | wajib | pilihan: Sakit biasa/tua, Wabah penyakit, "
      "Kecelakaan, Kriminalitas, Bunuh diri, Lainnya\n"
    + "Tempat pemakaman | tempat_pemakaman | opsional | teks\n"
    + "Hubungan pelapor dengan almarhum | hubungan_pelapor | wajib | pilihan: Anak, Suami/Istri, "
      "Orang tua, Saudara, Lainnya\n",
}
