"""The one HTTP choke point to Meta's WhatsApp Cloud API (the Graph API).

Every call has a timeout and a bounded, jittered retry on what Meta asks us to retry
(HTTP 429/5xx, throughput and pair rate limits). A time-out is *not* retried here: the
message may have gone out, and a resident must not get it twice; the sync decides later.
Errors are classified once, here, into "retry later", "permanent for this message" and
"the operator must act" (an expired token stops every send until it is replaced). Inside a run,
a call's timeout is cut to the run's deadline and no call starts after it (`retrying.run_deadline`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from ..retrying import bounded_retry, time_left, within_deadline

log = logging.getLogger(__name__)
# A send cut short by the deadline is "uncertain" (Meta may have taken it): start none with less time left.
MIN_SEND_SECONDS = 2.0

# Meta error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
RETRY_LATER = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
OPERATOR = {  # the office's set-up is wrong: no message can go out until someone fixes it
    0: "token WhatsApp ditolak (AuthException); buat token System User baru",
    190: "token WhatsApp kedaluwarsa atau dicabut; buat token System User permanen dan isi PONDOK_WA_TOKEN",
    10: "izin aplikasi WhatsApp kurang (whatsapp_business_messaging)",
    200: "izin aplikasi WhatsApp kurang (whatsapp_business_messaging)",
    368: "akun WhatsApp Business sedang diblokir sementara oleh Meta",
    131031: "akun WhatsApp Business dikunci oleh Meta",
    132001: "template WhatsApp (PONDOK_WA_TEMPLATE) tidak ada atau belum disetujui untuk bahasa ini",
    132000: "jumlah isian template WhatsApp tidak cocok; template harus punya 5 isian {{1}}–{{5}}",
    132012: "format isian template WhatsApp salah",
}
WINDOW_CLOSED = 131047  # more than 24 hours since the resident last wrote: only a template may go
BSUID_REFUSED = 131062  # Meta does not (yet) take a business-scoped user id as the recipient of this message
PERMANENT_REASONS = {  # Meta's error-code list; also what a `failed` status webhook reports later
    131026: "nomor tidak terdaftar di WhatsApp atau tidak bisa menerima pesan",
    131030: "nomor belum masuk daftar penerima uji (nomor uji Meta)",
    100: "permintaan ditolak Meta (parameter tidak sah)",
    131051: "jenis pesan tidak didukung",
    WINDOW_CLOSED: "di luar jendela 24 jam sejak warga terakhir menulis",
    131049: "ditahan WhatsApp agar warga tidak menerima terlalu banyak pesan bisnis",
    131050: "warga memilih berhenti menerima pesan dari bisnis ini",
    130472: "nomor sedang dalam uji coba Meta dan tidak menerima pesan ini",
    131021: "nomor penerima sama dengan nomor kantor",
    131042: "ada masalah pembayaran di akun WhatsApp Business",
    131053: "lampiran tidak bisa diunggah",
    132015: "template WhatsApp sedang dijeda Meta karena kualitasnya rendah",
    132016: "template WhatsApp dinonaktifkan Meta",
    BSUID_REFUSED: "WhatsApp belum mengizinkan pesan ke pengguna username tanpa nomor HP; isi nomor HP warga",
}


def failure_reason(code: int | None) -> str:
    """Why a message did not reach the resident, in Bahasa Indonesia, from Meta's error code."""
    if code is None:
        return "gagal dikirim WhatsApp"
    if code in OPERATOR:
        return OPERATOR[code]
    return PERMANENT_REASONS.get(code, f"gagal dikirim WhatsApp ({code})")


class GraphError(RuntimeError):
    """A refused or failed Graph API call, classified."""

    def __init__(self, code: int, message: str, kind: str, http_status: int = 0):
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.kind = kind  # "retry", "permanent", "operator", "window"
        self.http_status = http_status


def classify(code: int, http_status: int) -> str:
    """What a Meta error code means for the message that got it."""
    if code == WINDOW_CLOSED:
        return "window"
    if code in OPERATOR:
        return "operator"
    if code in RETRY_LATER or http_status == 429 or http_status >= 500:
        return "retry"
    return "permanent"


@dataclass(frozen=True)
class GraphConfig:
    """Where and as whom to call the Graph API."""

    api_url: str
    token: str
    phone_number_id: str
    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 1.0


class GraphClient:
    """A thin client for the few Cloud API calls the office needs."""

    def __init__(self, config: GraphConfig, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.session = session or requests.Session()
        self.sleep = sleep

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One Graph API call with the bounded retry; returns the JSON or raises GraphError."""
        url = f"{self.config.api_url.rstrip('/')}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self.config.token}"}

        def worth_retrying(error: BaseException) -> bool:
            # Only Meta's own "try later" answers: a time-out may have sent the message already.
            return isinstance(error, GraphError) and error.kind == "retry" and error.http_status > 0

        for attempt in bounded_retry("Graph API call", self.config.attempts, self.config.backoff, worth_retrying,
                                     self.sleep):
            with attempt:
                left = time_left()
                if left is not None and left < MIN_SEND_SECONDS:  # nothing was sent: the next run sends it
                    raise GraphError(-1, "waktu satu putaran habis sebelum pesan dikirim", "retry")
                try:
                    response = self.session.request(method, url, headers=headers,
                                                    timeout=within_deadline(self.config.timeout), **kwargs)
                except requests.Timeout:
                    raise GraphError(-1, "Graph API tidak menjawab tepat waktu", "uncertain") from None
                except requests.ConnectionError as error:  # nothing reached Meta: safe to try again later
                    raise GraphError(-1, f"Graph API tidak bisa dihubungi: {type(error).__name__}", "retry") from None
                if not response.ok:
                    raise _error_from(response)
                return response.json()
        raise AssertionError("unreachable")

    def send(self, payload: dict[str, Any]) -> str:
        """POST /{phone-number-id}/messages; returns the message id (wamid…)."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        answer = self.call("POST", f"{self.config.phone_number_id}/messages", json=body)
        return str(answer["messages"][0]["id"])

    def phone_number(self) -> dict[str, Any]:
        """GET /{phone-number-id}: the business number (checks token and id together)."""
        return self.call("GET", self.config.phone_number_id,
                         params={"fields": "display_phone_number,verified_name,quality_rating"})

    def templates(self, business_account_id: str, name: str) -> list[dict[str, Any]]:
        """The approved-or-not templates called `name` in the WhatsApp Business Account."""
        answer = self.call("GET", f"{business_account_id}/message_templates",
                           params={"name": name, "fields": "name,language,status,category,components"})
        return list(answer.get("data", []))


def _error_from(response: requests.Response) -> GraphError:
    try:
        error = response.json()["error"]
        code = int(error.get("code", -1))
        message = str(error.get("message", ""))
        details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
        if details:
            message = f"{message} ({details})"
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message = -1, response.text[:200]
    return GraphError(code, message, classify(code, response.status_code), response.status_code)
