"""The one HTTP choke point to Google: the service account's key and a bounded session, without gspread.

Every request to Google goes through `GoogleSession.request`: Sheets through gspread's HTTPClient
(`sheets_client.py`), Drive's files.get (`drive.py`). A village office's cron tick must end, so
every call has a timeout, and a call that can safely be repeated is retried a few times with
jittered back-off on 429, 5xx and time-outs. An append is not idempotent: it is retried only on
429 (Google refused it before doing anything); after a 5xx or a time-out it is left to the next
sync, whose read shows whether the rows landed. Inside a run, every call also ends by the run's
deadline (`retrying.run_deadline`): its timeout is cut to the time left, and no call starts after it.
Google's refusals are raised as `GoogleRefused`. Nothing here imports gspread, so a sync that only
asks Drive (an idle one) never loads it (issue 16, item 5); and while the token kept by an earlier
process is good (`google_token.py`), nor google-auth's crypto: the key is parsed, and a token got,
only when one is needed.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, MutableMapping
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from google.auth.exceptions import GoogleAuthError

from ..errors import CredentialsProblem, StoreError
from ..retrying import MIN_CALL_SECONDS, bounded_retry, time_left, within_deadline
from .google_token import KeptToken

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.service_account import Credentials

# drive.metadata.readonly: the narrowest scope that lets files.get say whether the sheet changed
# (`spreadsheets` is not a Drive scope; see docs/research/drive-change-check.md).
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.metadata.readonly")
SHEETS_V4 = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_V3 = "https://www.googleapis.com/drive/v3"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
OUT_OF_TIME = ("Waktu satu putaran sinkron (PONDOK_RUN_SECONDS) habis sebelum Google Sheets menjawab; "
               "pekerjaan tetap antre dan dicoba lagi.")


def quote_tab(tab: str) -> str:
    """A tab name as A1 notation wants it: 'It''s here'."""
    return "'" + tab.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """0-based column index -> A, B, …, Z, AA (A1 notation's letters are bijective base 26)."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


KEY_FIELDS = ("client_email", "private_key", "token_uri")


def read_key(path: str, inline_json: str = "") -> dict[str, Any]:
    """The service account's key, from inline JSON (hosts without files) or a key file. Only read as JSON:
    its RSA key is parsed when a token is needed (`credentials_from`)."""
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
        key = json.loads(text)
    except ValueError as error:
        raise CredentialsProblem(f"Kunci akun layanan di {source} bukan JSON yang sah: {error}") from None
    missing = [name for name in KEY_FIELDS if not (isinstance(key, dict) and key.get(name))]
    if missing:
        raise CredentialsProblem(f"Kunci akun layanan di {source} tidak lengkap (tidak ada {', '.join(missing)}). "
                                 f"Unduh ulang kunci JSON akun layanan dari Google Cloud Console.")
    return key


def credentials_from(key: Mapping[str, Any]) -> Credentials:
    """google-auth's service-account credentials for `key` (imports its crypto and parses the RSA key)."""
    from google.oauth2.service_account import Credentials

    try:
        return Credentials.from_service_account_info(key, scopes=SCOPES)
    except (ValueError, KeyError) as error:
        raise CredentialsProblem(f"Kunci akun layanan {key.get('client_email', '')} tidak bisa dibaca: {error}. "
                                 f"Unduh ulang kunci JSON akun layanan dari Google Cloud Console.") from None


class GoogleRefused(Exception):
    """Google answered with an error status; `error` is the `error` object of its JSON body."""

    def __init__(self, response: requests.Response):
        try:
            error = response.json()["error"]
            if not isinstance(error, dict):
                raise TypeError("not an object")
        except (ValueError, KeyError, TypeError):  # not Google's JSON: a proxy's page, an empty body
            error = {"message": response.text[:200]}
        super().__init__(f"{response.status_code}: {error.get('message', '')}")
        self.response = response
        self.code = response.status_code
        self.error: Mapping[str, Any] = error


class GoogleSession:
    """An authorized session with a timeout, a bounded jittered retry and an optional base URL (a fake's)."""

    def __init__(self, key: Mapping[str, Any], api_url: str = "", attempts: int = 4, backoff: float = 1.0,
                 timeout: float | tuple[float, float] = TIMEOUT, sleep: Callable[[float], None] = time.sleep,
                 kept: KeptToken | None = None):
        self.key = key
        self.kept = kept  # the token an earlier process got, if any: used before asking for one
        self._token = kept.load() if kept else None  # the kept token this process uses, and its expiry
        self._saved = self._token[0] if self._token else None  # the token last kept: each new one is saved once
        self._credentials: Credentials | None = None
        self._authorized: AuthorizedSession | None = None
        self.plain = requests.Session()  # carries a kept token; google-auth's session is built when needed
        self.timeout = timeout
        self.api_url = api_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep

    @property
    def account(self) -> str:
        """The service account's e-mail: the address staff share the sheet with."""
        return str(self.key["client_email"])

    @property
    def credentials(self) -> Credentials:
        """google-auth's credentials, built (the RSA key parsed) on first use."""
        if self._credentials is None:
            self._credentials = credentials_from(self.key)
        return self._credentials

    @property
    def authorized(self) -> AuthorizedSession:
        """google-auth's session, which gets and refreshes the token itself."""
        if self._authorized is None:
            from google.auth.transport.requests import AuthorizedSession

            # google-auth refreshes the token through the same session: bound that call too.
            self._authorized = AuthorizedSession(self.credentials, refresh_timeout=self.timeout[1]
                                                 if isinstance(self.timeout, tuple) else self.timeout)
        return self._authorized

    def use_key(self) -> None:
        """Parse the key now, and get the next calls' token with it rather than use a kept one (doctor: is
        the key itself still accepted?)."""
        self.credentials  # noqa: B018  (raises CredentialsProblem for a key google-auth cannot read)
        self._token = None

    def set_timeout(self, timeout: float | tuple[float, float]) -> None:
        """Each call's (connect, read) timeout from now on (before the run's deadline cuts it)."""
        self.timeout = timeout

    def url(self, endpoint: str) -> str:
        """A Sheets endpoint, moved to the fake's base URL when one is set."""
        if self.api_url and endpoint.startswith(SHEETS_V4):
            return self.api_url + endpoint[len(SHEETS_V4):]
        return endpoint

    def drive_url(self) -> str:
        """Drive v3's base URL; beside the Sheets API's when a test points the session elsewhere."""
        if self.api_url:
            return self.api_url.removesuffix("/v4/spreadsheets") + "/drive/v3"
        return DRIVE_V3

    def request(self, method: str, endpoint: str, params: Any = None, data: bytes | None = None,
                json: Mapping[str, Any] | None = None, files: Any = None,
                headers: MutableMapping[str, str] | None = None, *, what: str = "Sheets request") -> requests.Response:
        """One call, retried as `worth_retrying` allows; raises GoogleRefused, or requests' and google-auth's errors."""
        endpoint = self.url(endpoint)
        for attempt in self.attempts_for(what, endpoint):
            with attempt:
                return self.send(method, endpoint, params=params, data=data, json=json, files=files,
                                 headers=headers)
        raise AssertionError("unreachable")

    def attempts_for(self, what: str, endpoint: str) -> Any:
        """The retry loop (tenacity's attempts) for one call to `endpoint`."""
        return bounded_retry(what, self.attempts, self.backoff, worth_retrying(endpoint), self.sleep)

    def send(self, method: str, endpoint: str, headers: Mapping[str, str] | None = None,
             **kwargs: Any) -> requests.Response:
        """One attempt, with the timeout cut to the run's deadline (per call: the session is shared by
        threads, so `self.timeout` is never changed here). The kept token first; when Google refuses
        it (401), it is forgotten and the same attempt is made with google-auth's session."""
        left = time_left()
        if left is not None and left < MIN_CALL_SECONDS:
            raise StoreError(OUT_OF_TIME)
        timeout = self.timeout
        if left is not None:
            timeout = tuple(within_deadline(t) for t in timeout) if isinstance(timeout, tuple) \
                else within_deadline(timeout)
        token = self._kept_token()
        if token is not None:
            response = self.plain.request(method, endpoint, timeout=timeout,
                                          headers={**(headers or {}), "Authorization": f"Bearer {token}"}, **kwargs)
            if response.status_code != 401:
                return checked(response)
            response.close()
            self._token = None
            if self.kept:
                self.kept.forget(token)
        # max_allowed_time bounds google-auth's token refresh and the request together.
        response = self.authorized.request(method=method, url=endpoint, timeout=timeout, max_allowed_time=left,
                                           headers=headers, **kwargs)
        self._keep()
        return checked(response)

    def _kept_token(self) -> str | None:
        """The kept token while it has time left; after that google-auth's session gets new ones itself."""
        if self._token is None or self.kept is None or not self.kept.good_until(self._token[1]):
            return None
        return self._token[0]

    def _keep(self) -> None:
        """Keep the token google-auth got for the next processes (once per token)."""
        credentials = self._credentials
        if self.kept is None or credentials is None or not credentials.token or credentials.expiry is None:
            return
        if credentials.token != self._saved:
            self._saved = credentials.token
            # google-auth's expiry is a naive UTC datetime.
            self.kept.save(credentials.token, credentials.expiry.replace(tzinfo=timezone.utc).timestamp())


def checked(response: requests.Response) -> requests.Response:
    """The response if Google accepted the call; else GoogleRefused."""
    if response.ok:
        return response
    raise GoogleRefused(response)


def worth_retrying(endpoint: str) -> Callable[[BaseException], bool]:
    """429 always; other server errors and lost connections only where repeating cannot add a row."""
    idempotent = not endpoint.endswith(":append") and not endpoint.endswith(":batchUpdate") \
        or endpoint.endswith("values:batchUpdate")

    def retry(error: BaseException) -> bool:
        if isinstance(error, GoogleRefused):
            return error.code == 429 or (error.code in RETRYABLE and idempotent)
        return isinstance(error, (requests.Timeout, requests.ConnectionError)) and idempotent

    return retry


def explain(error: Exception, account: str) -> StoreError:
    """A Google failure as one line for staff, and whether waiting can help."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, GoogleRefused):
        code = error.code
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
