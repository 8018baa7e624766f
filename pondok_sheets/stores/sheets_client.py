"""The one HTTP choke point to Google Sheets: credentials, a timeout and a bounded retry.

gspread's own HTTPClient has no timeout and its BackOffHTTPClient retries forever; a
village office's cron tick must end. Here every call has a timeout, and a call that
can safely be repeated is retried a few times with jittered back-off on 429, 5xx and
time-outs. An append is not idempotent: it is retried only on 429 (Google refused it
before doing anything); after a 5xx or a time-out it is left to the next sync, whose
read shows whether the rows landed. Inside a run, every call also ends by the run's deadline
(`retrying.run_deadline`): its timeout is cut to the time left, and no call starts after it.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import ijson
import requests
import urllib3
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL, SPREADSHEETS_API_V4_BASE_URL
from gspread.utils import rowcol_to_a1

from ..errors import CredentialsProblem, StoreError
from ..retrying import MIN_CALL_SECONDS, bounded_retry, time_left, within_deadline

# drive.metadata.readonly: the narrowest scope that lets files.get say whether the sheet changed
# (`spreadsheets` is not a Drive scope; see docs/research/drive-change-check.md).
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.metadata.readonly")
RETRYABLE = frozenset({429, 500, 502, 503, 504})
TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
OUT_OF_TIME = ("Waktu satu putaran sinkron (PONDOK_RUN_SECONDS) habis sebelum Google Sheets menjawab; "
               "pekerjaan tetap antre dan dicoba lagi.")


def quote_tab(tab: str) -> str:
    """A tab name as A1 notation wants it: 'It''s here'."""
    return "'" + tab.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """0-based column index -> A, B, …, AA."""
    return re.sub(r"\d", "", rowcol_to_a1(1, index + 1))


def load_credentials(path: str, inline_json: str = "") -> Credentials:
    """Service-account credentials from inline JSON (hosts without files) or a key file."""
    if inline_json:
        source = "PONDOK_GOOGLE_CREDENTIALS_JSON"
        text = inline_json
    else:
        source = path
        if not Path(path).is_file():
            raise CredentialsProblem(
                f"File kunci akun layanan '{path}' tidak ditemukan. Unduh kunci JSON akun layanan dari "
                f"Google Cloud Console lalu simpan di sana (lihat credentials.example.json).")
        text = Path(path).read_text(encoding="utf-8")
    try:
        info = json.loads(text)
        return Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, KeyError) as error:
        raise CredentialsProblem(f"Kunci akun layanan di {source} tidak bisa dibaca: {error}") from None


class BoundedSheetsClient(HTTPClient):
    """gspread's HTTPClient with a timeout, a bounded jittered retry and an optional base URL."""

    def __init__(self, credentials: Credentials, api_url: str = "", attempts: int = 4,
                 backoff: float = 1.0, timeout: float | tuple[float, float] = TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep):
        # google-auth refreshes the token through the same session: bound that call too.
        super().__init__(credentials, session=AuthorizedSession(credentials, refresh_timeout=timeout[1]
                                                                if isinstance(timeout, tuple) else timeout))
        self.auth = credentials
        self.set_timeout(timeout)
        self.api_url = api_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep

    def request(self, method: str, endpoint: str, params: Any = None, data: bytes | None = None,
                json: Mapping[str, Any] | None = None, files: Any = None,
                headers: MutableMapping[str, str] | None = None) -> requests.Response:
        endpoint = self._endpoint(endpoint)
        for attempt in bounded_retry("Sheets request", self.attempts, self.backoff, self._worth_retrying(endpoint),
                                     self.sleep):
            with attempt:
                return self._send(method, endpoint, params=params, data=data, json=json, files=files,
                                  headers=headers)
        raise AssertionError("unreachable")

    def values_batch_get(self, id: str, ranges: list[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """gspread's values_batch_get, parsed as the answer streams in (ijson): a 50,000-row read never holds
        its 10 MB of JSON as bytes and as text beside the rows it becomes. A connection that drops mid-answer
        is retried like any read."""
        endpoint = self._endpoint(SPREADSHEET_VALUES_BATCH_URL % id)
        params = {**(params or {}), "ranges": ranges}
        for attempt in bounded_retry("Sheets read", self.attempts, self.backoff, self._worth_retrying(endpoint),
                                     self.sleep):
            with attempt:
                response = self._send("get", endpoint, params=params, stream=True)
                try:
                    response.raw.decode_content = True  # gzip, as Google sends it
                    value_ranges = list(ijson.items(response.raw, "valueRanges.item", use_float=True))
                except (ijson.JSONError, urllib3.exceptions.HTTPError) as error:  # cut short: a dropped connection
                    raise requests.ConnectionError(f"incomplete answer from Google: {error}") from None
                finally:
                    response.close()
                return {"spreadsheetId": id, "valueRanges": value_ranges}
        raise AssertionError("unreachable")

    def _endpoint(self, endpoint: str) -> str:
        if self.api_url and endpoint.startswith(SPREADSHEETS_API_V4_BASE_URL):
            return self.api_url + endpoint[len(SPREADSHEETS_API_V4_BASE_URL):]
        return endpoint

    @staticmethod
    def _worth_retrying(endpoint: str) -> Callable[[BaseException], bool]:
        idempotent = not endpoint.endswith(":append") and not endpoint.endswith(":batchUpdate") \
            or endpoint.endswith("values:batchUpdate")

        def worth_retrying(error: BaseException) -> bool:
            if isinstance(error, APIError):
                code = error.code if error.code != -1 else error.response.status_code
                return code == 429 or (code in RETRYABLE and idempotent)
            return isinstance(error, (requests.Timeout, requests.ConnectionError)) and idempotent

        return worth_retrying

    def _send(self, method: str, endpoint: str, **kwargs: Any) -> requests.Response:
        """gspread's HTTPClient.request, with the timeout cut to the run's deadline (per call: the client is
        shared by threads, so `self.timeout` is never changed)."""
        left = time_left()
        if left is not None and left < MIN_CALL_SECONDS:
            raise StoreError(OUT_OF_TIME)
        timeout = self.timeout
        if left is not None:
            timeout = tuple(within_deadline(t) for t in timeout) if isinstance(timeout, tuple) \
                else within_deadline(timeout)
        # max_allowed_time bounds google-auth's token refresh and the request together.
        response = self.session.request(method=method, url=endpoint, timeout=timeout, max_allowed_time=left,
                                        **kwargs)
        if response.ok:
            return response
        raise APIError(response)


def explain(error: Exception, account: str) -> StoreError:
    """A Google failure as one line for staff, and whether waiting can help."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, APIError):
        code = error.code if error.code != -1 else error.response.status_code
        if code == 403:
            return StoreError(f"Akses ke Google Sheet ditolak. Bagikan sheet ke {account} sebagai Editor "
                              f"(tombol Bagikan/Share di Google Sheets).", permanent=True)
        if code == 404:
            return StoreError("Google Sheet tidak ditemukan. Periksa PONDOK_SHEET_ID (kunci atau URL sheet).",
                              permanent=True)
        if code == 401:
            return StoreError("Kunci akun layanan ditolak Google. Buat kunci JSON baru untuk akun layanan ini.",
                              permanent=True)
        if code == 429:
            return StoreError("Kuota Google Sheets sedang habis; pekerjaan tetap antre dan dicoba lagi.")
        if code in RETRYABLE:
            return StoreError(f"Google Sheets sedang bermasalah ({code}); pekerjaan tetap antre dan dicoba lagi.")
        return StoreError(f"Google Sheets menolak permintaan ({code}): {error.error.get('message', '')}",
                          permanent=True)
    if isinstance(error, (requests.Timeout, requests.ConnectionError)):
        return StoreError("Google Sheets tidak menjawab tepat waktu; pekerjaan tetap antre dan dicoba lagi.")
    if isinstance(error, GoogleAuthError):
        return StoreError(f"Gagal masuk ke Google dengan akun layanan ({account}): {error}")
    return StoreError(f"Google Sheets tidak bisa dihubungi: {error}")
