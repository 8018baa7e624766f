"""`doctor`: is everything set up? Each finding is one line in plain Bahasa Indonesia with the fix."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import MissingHeader, StoreError
from ..flow.form_import import find_form_tab
from ..flow.letter_templates import has_own_template, template_problems
from ..messengers.graph import OPERATOR, GraphClient, GraphError
from ..office import Office
from ..register.forms import DEFAULT_TITLES, FIELD_NAMES, TICKET, map_columns
from ..register.model import TABS, Service
from ..web.proxies import SAMPLE_KEY
from ..whatsapp import alerts

MIN_SAMPLE = 20  # requests before the proxy setting is judged
MOST = 0.9  # a proxy forwards every request: judged on nine in ten, so a stray forged header misleads nothing

OK, WARN, FAIL = "OK", "PERINGATAN", "MASALAH"


@dataclass(frozen=True)
class Finding:
    """One check's outcome."""

    level: str
    text: str


def examine(office: Office) -> list[Finding]:
    """Check configuration, the register and its headers, and the public address."""
    settings = office.settings
    found = [Finding(OK, "Konfigurasi terbaca.")]
    if settings.uses_google:
        found += _google(office)
    else:
        found.append(Finding(OK, f"Register lokal: {settings.data_dir / 'register.sqlite3'} "
                                 f"(isi PONDOK_SHEET_ID untuk memakai Google Sheet)."))
        found += _headers(office)
    if not settings.public_url:
        found.append(Finding(WARN, "PONDOK_PUBLIC_URL belum diisi: tautan di pesan WhatsApp dan QR code "
                                   "menunjuk ke http://localhost:8080, yang tidak bisa dibuka warga."))
    elif not settings.public_url.startswith("https://"):
        found.append(Finding(WARN, f"PONDOK_PUBLIC_URL ({settings.public_url}) bukan https: "
                                   "pakai alamat https agar formulir aman."))
    if not settings.task_token:
        found.append(Finding(WARN, "PONDOK_TASK_TOKEN belum diisi: POST /tasks/tick menolak semua panggilan "
                                   "(perlu bila jadwal dijalankan layanan cron dari luar)."))
    if not settings.staff_wa:
        found.append(Finding(WARN, "PONDOK_STAFF_WA belum diisi: ringkasan pagi tidak dikirim ke petugas."))
    if settings.wa_provider == "console":
        found.append(Finding(WARN, "PONDOK_WA_PROVIDER=console: pesan hanya dicetak di layar, tidak dikirim ke "
                                   "WhatsApp. Pakai 'links' untuk mulai tanpa biaya."))
    elif settings.wa_provider == "links":
        found.append(Finding(OK, "Mode links: pesan menunggu di tab Kirim WA; petugas mengirim lewat tautan "
                                 "wa.me lalu mencentang Terkirim."))
    else:
        found += _cloud(office)
    return found + _proxy(office) + _letters(office)


def _proxy(office: Office) -> list[Finding]:
    """PONDOK_PROXY_HOPS against what recent requests carried (the app keeps counts, never addresses)."""
    hops = office.settings.proxy_hops
    sample = office.state.meta.get(SAMPLE_KEY) or {}
    total = sample.get("requests", 0)
    if total < MIN_SAMPLE:
        return [Finding(OK, f"PONDOK_PROXY_HOPS={hops}; belum cukup permintaan ke situs untuk memeriksanya "
                            f"(baru {total}, perlu {MIN_SAMPLE}).")]
    entries = sample["entries"]  # how many requests carried 0, 1, 2, 3 or more X-Forwarded-For entries
    if hops == 0 and sample["local_with_xff"] >= MOST * total:
        return [Finding(WARN, f"PONDOK_PROXY_HOPS=0, tetapi {sample['local_with_xff']} dari {total} permintaan "
                              f"terakhir datang lewat proxy (dari alamat lokal, dengan header X-Forwarded-For): "
                              f"semua warga terhitung satu alamat, sehingga batas permintaan berlaku untuk seluruh "
                              f"desa sekaligus. Setel PONDOK_PROXY_HOPS=1 (lihat README, bagian proxy).")]
    short = sum(entries[:min(hops, 3)])
    if hops and short > (1 - MOST) * total:
        fits = max(k for k in range(min(hops, 3)) if sum(entries[k:]) >= MOST * total)
        return [Finding(WARN, f"PONDOK_PROXY_HOPS={hops}, tetapi {short} dari {total} permintaan terakhir membawa "
                              f"kurang dari {hops} alamat di header X-Forwarded-For: alamat warga tidak terbaca "
                              f"dan mereka berbagi satu batas permintaan; tanpa proxy di depan, header itu bisa "
                              f"dipalsukan. Setel PONDOK_PROXY_HOPS={fits} (jumlah proxy di depan aplikasi; "
                              f"lihat README, bagian proxy).")]
    return [Finding(OK, f"PONDOK_PROXY_HOPS={hops} cocok dengan {total} permintaan terakhir.")]


def _letters(office: Office) -> list[Finding]:
    """Every active service's letter: its Isian, its template (the office's own or built-in), its number format."""
    found = []
    services = office.state.meta.services()
    for service in services:
        problems = template_problems(office, service)
        found += [Finding(FAIL, p) for p in problems]
    if not found:
        found.append(Finding(OK, "Templat surat semua layanan bisa dipakai."))
    found.append(_template_sources(office, services))
    if not office.settings.kabupaten or not office.settings.head_name:
        found.append(Finding(WARN, "PONDOK_KABUPATEN atau PONDOK_HEAD_NAME belum diisi: kop dan tanda tangan "
                                   "surat akan kosong."))
    return found


def _template_sources(office: Office, services: list[Service]) -> Finding:
    """Per service, whether the office's own template or the built-in one is in use."""
    folder = office.settings.templates_dir
    own = [s.code for s in services if has_own_template(office, s)]
    builtin = [s.code for s in services if s.code not in own]
    parts = []
    if own:
        parts.append(f"templat kantor dipakai untuk {', '.join(own)}")
    if builtin:
        parts.append(f"templat bawaan dipakai untuk {', '.join(builtin)} (untuk memakai templat kantor, "
                     f"taruh <KODE>.docx di {folder})")
    text = "Templat surat: " + "; ".join(parts) + "."
    if folder.is_relative_to(office.settings.data_dir):
        # Render and its kind wipe the data folder on every deploy or restart: the uploads go with it.
        text += (" Di host yang menghapus disknya saat restart (mis. Render), templat kantor di folder data ikut "
                 "hilang: setel PONDOK_LETTER_DIR ke folder di salinan repositori kantor (lihat README, Surat).")
    return Finding(OK, text)


def _cloud(office: Office) -> list[Finding]:
    """The Cloud API settings, checked against Meta: token, number, template."""
    settings = office.settings
    missing = [name for name, value in [
        ("PONDOK_WA_TOKEN", settings.wa_token), ("PONDOK_WA_PHONE_NUMBER_ID", settings.wa_phone_number_id),
        ("PONDOK_WA_APP_SECRET", settings.wa_app_secret), ("PONDOK_WA_VERIFY_TOKEN", settings.wa_verify_token),
    ] if not value]
    if missing:
        return [Finding(FAIL, f"Mode cloud butuh {', '.join(missing)} (lihat README, bagian WhatsApp Cloud API).")]
    client = office.messenger.client  # type: ignore[attr-defined]
    try:
        number = client.phone_number()
    except GraphError as error:
        return [Finding(FAIL, f"WhatsApp menolak: {OPERATOR.get(error.code, error.message)} [{error.code}].")]
    found = [Finding(OK, f"Token WhatsApp dan nomor bisnis cocok: {number.get('display_phone_number', '?')} "
                         f"({number.get('verified_name', '?')}).")]
    found += _alerts(office)
    found += _template(client, settings.wa_business_id, settings.wa_template, settings.wa_template_lang, 5,
                       "PONDOK_WA_TEMPLATE", "pesan status hanya sampai ke warga yang menulis ke kantor dalam 24 jam "
                                             "terakhir")
    if settings.staff_wa:
        found += _template(client, settings.wa_business_id, settings.wa_digest_template, settings.wa_template_lang,
                           5, "PONDOK_WA_DIGEST_TEMPLATE", "ringkasan pagi hanya sampai ke petugas yang menulis ke "
                                                           "kantor dalam 24 jam terakhir")
    return found


def _alerts(office: Office) -> list[Finding]:
    """What WhatsApp's own webhooks said stops or endangers sending (account, template, errors)."""
    settings = office.settings
    ours = {"akun"} | {f"template:{name}:{settings.wa_template_lang}"
                       for name in (settings.wa_template, settings.wa_digest_template) if name}
    return [Finding(FAIL if key in ours else WARN, f"WhatsApp melaporkan: {text}")
            for key, text in alerts.current(office.state.notes, office.now())]


def _template(client: GraphClient, business_id: str, template: str, lang: str, count: int, variable: str,
              without: str) -> list[Finding]:
    """One approved template, checked against Meta: it exists, is approved and has `count` placeholders."""
    if not template:
        return [Finding(WARN, f"{variable} kosong: {without}.")]
    if not business_id:
        return [Finding(WARN, f"PONDOK_WA_BUSINESS_ID kosong: template '{template}' tidak bisa diperiksa.")]
    try:
        templates = client.templates(business_id, template)
    except GraphError as error:
        return [Finding(FAIL, f"Daftar template tidak bisa dibaca: {error.message} [{error.code}].")]
    match = next((t for t in templates if t.get("name") == template and t.get("language") == lang), None)
    if match is None:
        return [Finding(FAIL, f"Template '{template}' ({lang}) tidak ditemukan di akun WhatsApp Business "
                              f"({variable}).")]
    body = next((c.get("text", "") for c in match.get("components", []) if c.get("type") == "BODY"), "")
    found = sum(f"{{{{{i}}}}}" in body for i in range(1, count + 1))
    if match.get("status") != "APPROVED" or found != count:
        return [Finding(FAIL, f"Template '{template}' ({lang}) berstatus {match.get('status')} dengan {found} isian; "
                              f"harus APPROVED dengan {count} isian {{{{1}}}}–{{{{{count}}}}}.")]
    return [Finding(OK, f"Template '{template}' ({lang}) disetujui, kategori {match.get('category')}, {count} isian.")]


def _google(office: Office) -> list[Finding]:
    store = office.store
    try:
        google = store.google  # type: ignore[attr-defined]
        google.use_key()  # the checks below get their token with the key, not with one kept by a sync
        account = google.account
    except StoreError as error:
        return [Finding(FAIL, str(error))]
    found = [Finding(OK, f"Kunci akun layanan terbaca: {account}.")]
    return found + _headers(office) + _drive(office) + _form(office)


def _drive(office: Office) -> list[Finding]:
    """Whether Drive can tell the sync that nothing changed (a warning only: without it every sync reads)."""
    try:
        office.store.change_mark()
    except StoreError as error:
        return [Finding(WARN, f"Pemeriksaan perubahan lewat Google Drive tidak tersedia: {error} Tanpa itu "
                              f"setiap sinkron membaca seluruh register (lebih banyak kuota dan CPU).")]
    return [Finding(OK, "Google Drive API aktif: sinkron tanpa perubahan tidak membaca register.")]


def _form(office: Office) -> list[Finding]:
    try:
        tab = find_form_tab(office)
        if not tab:
            return [Finding(OK, "Tidak ada Google Form tertaut (tidak wajib).")]
        table = office.store.read([], headers_only=[tab])[tab]
    except StoreError as error:
        return [Finding(FAIL, str(error))]
    columns = map_columns(table, office.settings.form_fields)
    found = [Finding(OK, f"Google Form tertaut: tab {tab}.")]
    if table.column(TICKET) is None:
        found.append(Finding(FAIL, f"Kolom '{TICKET}' belum ada di tab {tab}. Jalankan: python main.py init-sheet"))
    for field in columns.missing:  # each one makes every response incomplete, and its resident messaged
        examples = ", ".join(f"'{t}'" for t in DEFAULT_TITLES[field][:3])
        found.append(Finding(FAIL, f"Tidak ada pertanyaan untuk {FIELD_NAMES[field]} di tab {tab} (judul yang "
                                   f"dikenali, misalnya {examples}): setiap jawaban akan masuk sebagai Perlu "
                                   f"Dilengkapi. Ubah judul pertanyaannya, atau isi PONDOK_FORM_FIELDS "
                                   f"({field}=Judul pertanyaan Anda)."))
    if not columns.missing:
        found.append(Finding(OK, "Pertanyaan formulir cocok: " + ", ".join(
            f"{FIELD_NAMES[f]} = '{h}'" for f, h in columns.fields.items()) + "."))
    return found


def _headers(office: Office) -> list[Finding]:
    try:
        tables = office.store.read([], headers_only=[spec.name for spec in TABS])
    except StoreError as error:
        return [Finding(FAIL, str(error))]
    found = [Finding(OK, "Register bisa dibuka.")]
    for spec in TABS:
        try:
            tables[spec.name].require(spec)
        except MissingHeader as error:
            found.append(Finding(FAIL, str(error)))
        else:
            found.append(Finding(OK, f"Tab {spec.name}: semua kolom ada."))
    return found


def is_healthy(findings: list[Finding]) -> bool:
    """True when no finding is a problem (warnings are allowed)."""
    return all(f.level != FAIL for f in findings)
