"""gspread's HTTPClient over the bounded session of `google_api.py`, with a streamed values:batchGet.

gspread's own HTTPClient has no timeout and its BackOffHTTPClient retries forever; here every
call gspread makes goes through `GoogleSession.request` (timeout, deadline, bounded retry), and
the register's one big read is parsed as it arrives. Imported on the first Sheets call only:
an idle sync, which asks Drive and nothing else, never loads gspread.
"""
from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import ijson
import requests
import urllib3
from gspread.http_client import HTTPClient

from .google_api import SHEETS_V4, GoogleSession


class BoundedSheetsClient(HTTPClient):
    """gspread's HTTPClient whose every request is the session's: bounded, retried, its refusals GoogleRefused."""

    def __init__(self, google: GoogleSession):
        # Given a session, gspread never touches the credentials: every request it makes is `request` below.
        super().__init__(None, session=google.plain)  # type: ignore[arg-type]
        self.google = google

    def request(self, method: str, endpoint: str, params: Any = None, data: bytes | None = None,
                json: Mapping[str, Any] | None = None, files: Any = None,
                headers: MutableMapping[str, str] | None = None) -> requests.Response:
        return self.google.request(method, endpoint, params=params, data=data, json=json, files=files,
                                   headers=headers)

    def values_batch_get(self, id: str, ranges: list[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """gspread's values_batch_get, parsed as the answer streams in (ijson): a 50,000-row read never holds
        its 10 MB of JSON as bytes and as text beside the rows it becomes. A connection that drops mid-answer
        is retried like any read."""
        endpoint = self.google.url(f"{SHEETS_V4}/{id}/values:batchGet")
        params = {**(params or {}), "ranges": ranges}
        for attempt in self.google.attempts_for("Sheets read", endpoint):
            with attempt:
                response = self.google.send("get", endpoint, params=params, stream=True)
                try:
                    response.raw.decode_content = True  # gzip, as Google sends it
                    value_ranges = list(ijson.items(response.raw, "valueRanges.item", use_float=True))
                except (ijson.JSONError, urllib3.exceptions.HTTPError) as error:  # cut short: a dropped connection
                    raise requests.ConnectionError(f"incomplete answer from Google: {error}") from None
                finally:
                    response.close()
                return {"spreadsheetId": id, "valueRanges": value_ranges}
        raise AssertionError("unreachable")
