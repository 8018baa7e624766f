"""What `serve` prints for staff: waitress's lines in Bahasa Indonesia, stamped in the office's zone.

The operator log (`-v`) stays English on purpose: it is what a host's support or a search
engine understands. The staff console is a second, narrower view of the same records:
`2026-12-02 04.37 WIB  Melayani di http://0.0.0.0:8080`. Waitress formats most of its
messages before logging them (`"Serving on http://%s:%s"` arrives as one finished string),
so translation matches the finished text, not the format string.
"""
from __future__ import annotations

import errno
import logging
import re
import sys
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

# waitress 3.0's INFO/WARNING/ERROR messages (server, task, channel, proxy_headers, wasyncore),
# most specific first. Each replacement may use the groups of its pattern.
WAITRESS_LINES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), replacement) for pattern, replacement in (
        (r"^Serving on (\S+)$", r"Melayani di \1"),
        (r"^Task queue depth is (\d+)$",
         r"Antrean: \1 permintaan menunggu karena semua thread sibuk."),
        (r"^total open connections reached the connection limit, no longer accepting new connections$",
         "Batas jumlah koneksi tercapai; koneksi baru ditahan dulu."),
        (r"^total open connections dropped below the connection limit, listening again$",
         "Jumlah koneksi turun di bawah batas; koneksi baru diterima lagi."),
        (r"^server accept\(\) threw an exception$", "Server gagal menerima satu koneksi."),
        (r"^Client disconnected while serving (.*)$", r"Pengunjung memutus koneksi saat membuka \1."),
        (r"^Exception while serving (.*)$", r"Terjadi kesalahan saat melayani \1."),
        (r"^Exception when servicing (.*)$", r"Terjadi kesalahan saat melayani \1."),
        (r"^(\d+) thread\(s\) still running$", r"\1 thread masih berjalan saat berhenti."),
        (r"^Canceling (\d+) pending task\(s\)$", r"\1 permintaan yang menunggu dibatalkan."),
        (r"^Removed untrusted headers \((.*)\)\. Waitress recommends these be removed upstream\.$",
         r"Header proxy yang tidak dipercaya dibuang (\1); periksa PONDOK_PROXY_HOPS."),
        (r'^Malformed proxy header "(.*?)" from "(.*?)": (.*)$',
         r'Header proxy "\1" dari "\2" rusak: \3'),
        (r"^Unknown Forwarded token: (.*)$", r"Bagian header Forwarded tidak dikenal: \1"),
        (r"^application-written content exceeded the number of bytes specified by Content-Length header \((.*)\)$",
         r"Jawaban aplikasi lebih panjang dari Content-Length (\1)."),
        (r"^application-written content was ignored due to HTTP response that may not contain a message-body: \((.*)\)$",
         r"Isi jawaban dibuang: status \1 tidak boleh berisi badan pesan."),
        ((r"^(Socket error|Unexpected exception when flushing|Unexpected error when closing an outbuf"
          r"|Unknown exception while trying to close outbuf)$"), "Kesalahan jaringan pada satu koneksi."),
        (r"^uncaptured python exception, closing channel .*$", "Kesalahan tak terduga; satu koneksi ditutup."),
        (r"^unhandled (\w+(?: \w+)?) event$", r"Kejadian jaringan tak tertangani (\1)."),
    )
)
LEVEL_PREFIX = {logging.WARNING: "Peringatan: ", logging.ERROR: "Kesalahan: ", logging.CRITICAL: "Kesalahan: "}


def translate_waitress(message: str) -> str:
    """One waitress log line in Bahasa Indonesia; a line we do not know is returned unchanged."""
    for pattern, replacement in WAITRESS_LINES:
        if pattern.match(message):
            return pattern.sub(replacement, message, count=1)
    return message


def zone_label(moment: datetime) -> str:
    """WIB, WITA or WIT for Indonesia's zones; `UTC+07` where a zone has no letters."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


class OfficeTimeFormatter(logging.Formatter):
    """`2026-12-02 04.37 WIB  <message>`: office-zone stamps, Indonesian text, no traceback."""

    def __init__(self, zone: ZoneInfo, fmt: str = "%(asctime)s  %(message)s") -> None:
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's moment in the office's zone, written the Indonesian way (04.37)."""
        moment = datetime.fromtimestamp(record.created, self.zone)
        return f"{moment.strftime(datefmt or '%Y-%m-%d %H.%M')} {zone_label(moment)}"

    def format(self, record: logging.LogRecord) -> str:
        """The staff line; the original record is left untouched for the operator's handlers."""
        message = record.getMessage()
        if record.name == "waitress" or record.name.startswith("waitress."):
            message = translate_waitress(message)
        staff = logging.makeLogRecord({**record.__dict__, "msg": LEVEL_PREFIX.get(record.levelno, "") + message,
                                       "args": None, "exc_info": None, "exc_text": None, "stack_info": None})
        # Tracebacks belong to the operator log (-v); staff get the one line above.
        return super().format(staff)


def attach_to_waitress(zone: ZoneInfo, stream: TextIO | None = None, operator_log: bool = False) -> logging.Handler:
    """Show waitress's INFO+ lines to staff on `stream`, translated; with `operator_log` (-v) also in English."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(OfficeTimeFormatter(zone))
    waitress_logger = logging.getLogger("waitress")
    waitress_logger.addHandler(handler)
    waitress_logger.setLevel(logging.INFO)
    waitress_logger.propagate = operator_log  # without -v: one Indonesian line, not two
    return handler


def explain_serve_error(exc: BaseException, host: str, port: int) -> str:
    """One Indonesian line for why waitress could not start listening on host:port."""
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    if isinstance(exc, ValueError):
        # waitress's create_server: "Invalid host/port specified." when getaddrinfo finds nothing
        return f"Alamat {host!r} atau port {port} tidak dikenali; periksa --host dan --port."
    code = getattr(exc, "errno", None)
    winerror = getattr(exc, "winerror", None)
    if code == errno.EADDRINUSE or winerror == 10048:
        return (f"Port {port} di {shown} sudah dipakai program lain (mungkin `serve` yang masih berjalan); "
                f"hentikan program itu atau pakai --port lain.")
    if code == errno.EACCES or winerror == 10013:
        return (f"Tidak diizinkan membuka port {port}; port di bawah 1024 perlu hak administrator, "
                f"pakai --port 8080.")
    if code == errno.EADDRNOTAVAIL or winerror == 10049:
        return f"Alamat {host} bukan milik komputer ini; pakai --host 0.0.0.0 atau 127.0.0.1."
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"Situs tidak dapat dijalankan di {shown}:{port}: {reason}."
