"""The fake's Drive v3 files.get behaves like Google's, as seen through the real
google-auth AuthorizedSession (and gspread for the Sheets writes that must move
Drive's ``version``). Nothing here reaches the fake except over HTTP, apart
from the staff and inspection helpers the fake offers to tests."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import gspread
import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials

from tests.fakes.sheets_api import DRIVE_PREFIX, SHEETS_PREFIX, FakeSheetsAPI, is_staff_action

SHEETS = "https://www.googleapis.com/auth/spreadsheets"
DRIVE_META = "https://www.googleapis.com/auth/drive.metadata.readonly"
SID = "1PondokRegisterDriveTest"
HEADER = ["Tiket", "Masuk", "Saluran", "Layanan", "Nama", "NIK", "WhatsApp", "Keterangan", "Status", "Catatan", "Diperbarui", "Notifikasi"]
RFC3339_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def rewriting_http_client(fake: FakeSheetsAPI) -> type[gspread.http_client.HTTPClient]:
    """gspread HTTPClient that sends Sheets and Drive calls to the fake."""

    class RewritingHTTPClient(gspread.http_client.HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
            if endpoint.startswith(SHEETS_PREFIX):
                endpoint = fake.base_url + endpoint[len(SHEETS_PREFIX):]
            elif endpoint.startswith(DRIVE_PREFIX):
                endpoint = fake.drive_base_url + endpoint[len(DRIVE_PREFIX):]
            return super().request(method, endpoint, *args, **kwargs)

    return RewritingHTTPClient


def session(fake: FakeSheetsAPI, scopes: list[str]) -> AuthorizedSession:
    """The session the service will use for Drive: real google-auth, real JWT."""
    creds = Credentials.from_service_account_info(fake.service_account_info(), scopes=scopes)
    return AuthorizedSession(creds)


def files_get(http: AuthorizedSession, fake: FakeSheetsAPI, file_id: str = SID, **params: Any) -> requests.Response:
    return http.get(f"{fake.drive_base_url}/files/{file_id}", params=params, timeout=5)


def version_of(http: AuthorizedSession, fake: FakeSheetsAPI) -> int:
    response = files_get(http, fake, fields="version")
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


@pytest.fixture
def fake() -> Iterator[FakeSheetsAPI]:
    with FakeSheetsAPI() as api:
        api.create_spreadsheet(
            SID,
            {
                "Permohonan": [
                    HEADER,
                    ["PDK-7K3QM9", "2024-05-01 09:00", "Formulir", "KTP", "Ani", "'3201234567890001", "'081234567890", "", "Baru"],
                    ["PDK-8P4RT2", "2024-05-02 10:30", "Loket", "KK", "Budi", "'3201234567890002", "0812-3456-789", "", "Diproses"],
                ],
                "Log": [["Waktu", "Tiket", "Kepada", "Jenis", "Saluran", "Isi", "Hasil", "ID Pesan"]],
            },
            title="Register Desa Pondok",
        )
        yield api
        assert api.errors == []


@pytest.fixture
def drive(fake: FakeSheetsAPI) -> AuthorizedSession:
    return session(fake, [SHEETS, DRIVE_META])


@pytest.fixture
def sh(fake: FakeSheetsAPI) -> gspread.Spreadsheet:
    creds = Credentials.from_service_account_info(fake.service_account_info(), scopes=[SHEETS, DRIVE_META])
    client = gspread.Client(auth=creds, http_client=rewriting_http_client(fake))
    client.set_timeout(5)
    return client.open_by_key(SID)


# --- the resource and field selection ---------------------------------------------


def test_version_and_modified_time_come_back_in_googles_shapes(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    response = files_get(drive, fake, fields="version,modifiedTime")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"version", "modifiedTime"}
    assert isinstance(body["version"], str) and body["version"].isdigit()  # int64 travels as a string
    assert RFC3339_MS.fullmatch(body["modifiedTime"])


def test_without_fields_drive_answers_its_default_four(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    assert files_get(drive, fake).json() == {
        "kind": "drive#file",
        "id": SID,
        "name": "Register Desa Pondok",
        "mimeType": "application/vnd.google-apps.spreadsheet",
    }


def test_head_revision_id_is_absent_for_a_google_sheet(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    assert files_get(drive, fake, fields="id,headRevisionId,md5Checksum").json() == {"id": SID}
    everything = files_get(drive, fake, fields="*").json()
    assert "headRevisionId" not in everything and everything["version"] == fake.drive_file(SID)["version"]


def test_an_unknown_field_is_a_400_invalid_field_selection(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    response = files_get(drive, fake, fields="version,bogus")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "Invalid field selection bogus"
    assert error["errors"][0]["reason"] == "invalidParameter"


def test_supports_all_drives_is_accepted_and_gspreads_own_drive_call_works(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    assert files_get(drive, fake, fields="version", supportsAllDrives="true").status_code == 200
    # gspread asks Drive itself (fields=id,name,createdTime,modifiedTime) through the same rewrite.
    assert sh.get_lastUpdateTime() == fake.drive_file(SID)["modifiedTime"]


def test_unknown_file_and_unshared_sheet_are_404_file_not_found(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    missing = files_get(drive, fake, "1NoSuchSheet", fields="version")
    assert missing.status_code == 404
    assert missing.json()["error"]["errors"][0]["reason"] == "notFound"
    fake.deny_access()
    assert files_get(drive, fake, fields="version").status_code == 404


# --- version follows every change, and only changes ---------------------------------


SHEETS_WRITES: dict[str, Callable[[gspread.Spreadsheet], object]] = {
    "values.update": lambda sh: sh.worksheet("Permohonan").update([["Selesai"]], "I2"),
    "values.batchUpdate": lambda sh: sh.worksheet("Permohonan").batch_update([{"range": "J2", "values": [["ok"]]}]),
    "values.append": lambda sh: sh.worksheet("Log").append_row(["2024-05-03", "PDK-7K3QM9"], value_input_option="RAW"),
    "values.clear": lambda sh: sh.values_clear("Permohonan!H2:H3"),
    "values.batchClear": lambda sh: sh.worksheet("Permohonan").batch_clear(["K2:L3"]),
    "spreadsheets.batchUpdate": lambda sh: sh.worksheet("Permohonan").freeze(rows=1),
}


@pytest.mark.parametrize("endpoint", list(SHEETS_WRITES))
def test_every_kind_of_sheets_write_moves_the_version(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet, endpoint: str) -> None:
    before = version_of(drive, fake)
    SHEETS_WRITES[endpoint](sh)
    assert endpoint in [r.endpoint for r in fake.requests if r.kind == "write" and r.status == 200]
    assert version_of(drive, fake) > before


STAFF_ACTIONS: dict[str, Callable[[FakeSheetsAPI], None]] = {
    "set_cell": lambda f: f.set_cell(SID, "Permohonan", 2, 9, "Diproses"),
    "sort_rows": lambda f: f.sort_rows(SID, "Permohonan", 5, reverse=True),
    "insert_row": lambda f: f.insert_row(SID, "Permohonan", 2, ["PDK-W4LK1N", "", "Loket"]),
    "delete_row": lambda f: f.delete_row(SID, "Permohonan", 3),
    "rename_header": lambda f: f.rename_header(SID, "Permohonan", "Catatan", "Keterangan Petugas"),
    "add_tab": lambda f: f.add_tab(SID, "Arsip", [["Tiket"]]),
    "delete_tab": lambda f: f.delete_tab(SID, "Log"),
    "resize": lambda f: f.resize(SID, "Permohonan", rows=500),
}


@pytest.mark.parametrize("action", list(STAFF_ACTIONS))
def test_every_staff_action_moves_the_version(fake: FakeSheetsAPI, drive: AuthorizedSession, action: str) -> None:
    before = version_of(drive, fake)
    STAFF_ACTIONS[action](fake)
    assert version_of(drive, fake) == before + 1


def test_no_method_of_the_fake_can_edit_the_sheet_without_moving_the_version() -> None:
    """A staff action added later without @_staff_action would let a test edit
    the sheet behind Drive's back; every public method must be classified."""
    not_edits = {  # create_spreadsheet moves the version itself when it replaces a sheet
        "start", "stop", "service_account_info", "expire_tokens", "create_spreadsheet", "tabs", "values",
        "raw_cell", "sheet_properties", "data_validation", "conditional_formats", "protected_ranges",
        "reset_counts", "fail_next", "fail_randomly", "hang_next", "stop_hanging", "fail_after_applying", "truncate_next",
        "before_request",
        "deny_access", "drive_file",
            "number_format",
    }
    methods = {
        name for name, member in inspect.getmembers(FakeSheetsAPI, inspect.isfunction) if not name.startswith("_")
    }
    marked = {name for name in methods if is_staff_action(getattr(FakeSheetsAPI, name))}
    assert marked == set(STAFF_ACTIONS)
    assert methods - marked == not_edits


def test_reads_and_drive_requests_never_move_the_version(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    before = version_of(drive, fake)
    sh.worksheet("Permohonan").get_all_values()
    sh.values_batch_get(["Permohonan!A1:L", "Log!A1:H"])
    sh.fetch_sheet_metadata()
    for _ in range(3):
        files_get(drive, fake, fields="version,modifiedTime")
    assert version_of(drive, fake) == before


def test_a_write_google_rejects_changes_nothing(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    before = version_of(drive, fake)
    with pytest.raises(gspread.exceptions.APIError):
        sh.worksheet("Permohonan").update([["x"]], "A5000")  # past the grid: 400, not applied
    fake.fail_next(1, 429, kinds=("write",))
    with pytest.raises(gspread.exceptions.APIError):
        sh.worksheet("Permohonan").update([["x"]], "A5")
    assert version_of(drive, fake) == before


def test_modified_time_moves_with_the_change(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    start = files_get(drive, fake, fields="modifiedTime").json()["modifiedTime"]  # a round trip: > 1 ms later
    now = dt.datetime.now(dt.timezone.utc)
    edited_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # Drive keeps milliseconds
    fake.set_cell(SID, "Permohonan", 3, 9, "Selesai")
    after = files_get(drive, fake, fields="modifiedTime").json()["modifiedTime"]
    parsed = dt.datetime.strptime(after, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    assert after > start  # RFC 3339 in UTC with fixed width sorts as text
    assert parsed >= edited_at


# --- scopes, a disabled API, lag ----------------------------------------------------


def test_the_spreadsheets_scope_alone_cannot_ask_drive(fake: FakeSheetsAPI) -> None:
    response = files_get(session(fake, [SHEETS]), fake, fields="version")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["errors"][0]["reason"] == "insufficientPermissions"
    assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


@pytest.mark.parametrize("scope", ["drive.metadata.readonly", "drive.metadata", "drive.readonly", "drive", "drive.file"])
def test_drive_scopes_that_see_metadata_are_enough(fake: FakeSheetsAPI, scope: str) -> None:
    response = files_get(session(fake, [f"https://www.googleapis.com/auth/{scope}"]), fake, fields="version")
    assert response.status_code == 200


def test_a_metadata_scope_alone_cannot_read_the_sheet(fake: FakeSheetsAPI) -> None:
    """So the service must ask for both: spreadsheets and drive.metadata.readonly."""
    metadata_only = session(fake, [DRIVE_META])
    response = metadata_only.get(f"{fake.base_url}/{SID}/values/Permohonan", timeout=5)
    assert response.status_code == 403


def test_drive_api_not_enabled_is_403_access_not_configured(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    fake.drive_enabled = False
    response = files_get(drive, fake, fields="version")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Google Drive API has not been used in project")
    assert error["errors"][0]["reason"] == "accessNotConfigured"
    assert error["errors"][0]["domain"] == "usageLimits"
    info = next(d for d in error["details"] if d["@type"].endswith("ErrorInfo"))
    assert info["reason"] == "SERVICE_DISABLED" and info["metadata"]["service"] == "drive.googleapis.com"
    assert sh.worksheet("Log").get_all_values()[0][0] == "Waktu"  # Sheets still works


def test_drive_lag_reports_the_version_as_of_n_changes_ago(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    start = version_of(drive, fake)
    fake.drive_lag = 2
    fake.set_cell(SID, "Permohonan", 2, 10, "a")
    assert version_of(drive, fake) == start  # the edit is not visible yet: "unchanged" is a lie
    fake.set_cell(SID, "Permohonan", 2, 10, "b")
    fake.set_cell(SID, "Permohonan", 2, 10, "c")
    assert version_of(drive, fake) == start + 1
    assert int(fake.drive_file(SID)["version"]) == start + 3
    fake.drive_lag = 0
    assert version_of(drive, fake) == start + 3


def test_version_step_is_a_switch_and_recreating_a_sheet_never_goes_back(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    start = version_of(drive, fake)
    fake.drive_version_step = 7  # Google's steps are not 1: the product must only compare
    fake.set_cell(SID, "Permohonan", 2, 10, "a")
    assert version_of(drive, fake) == start + 7
    fake.create_spreadsheet(SID, {"Permohonan": [HEADER]}, title="Register Baru")
    assert version_of(drive, fake) == start + 14
    assert files_get(drive, fake, fields="name").json() == {"name": "Register Baru"}


# --- counting and faults --------------------------------------------------------------


def test_drive_requests_are_counted_apart_from_sheets_reads_and_writes(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    fake.reset_counts()
    files_get(drive, fake, fields="version")
    files_get(drive, fake, "1NoSuchSheet", fields="version")  # failures count too
    ws.get_all_values()
    ws.update([["Selesai"]], "I2")
    assert (fake.drive_requests, fake.reads, fake.writes) == (2, 1, 1)
    drive_log = [r for r in fake.requests if r.kind == "drive"]
    assert [(r.endpoint, r.spreadsheet_id, r.status) for r in drive_log] == [
        ("drive.files.get", SID, 200),
        ("drive.files.get", "1NoSuchSheet", 404),
    ]
    fake.reset_counts()
    assert fake.drive_requests == 0


def test_fault_injection_reaches_drive_only_when_asked(fake: FakeSheetsAPI, drive: AuthorizedSession, sh: gspread.Spreadsheet) -> None:
    fake.fail_next(1, 429)  # default kinds: Sheets reads and writes only
    assert files_get(drive, fake, fields="version").status_code == 200
    with pytest.raises(gspread.exceptions.APIError):
        sh.worksheet("Permohonan").get_all_values()
    fake.fail_next(1, 429, kinds=("drive",))
    limited = files_get(drive, fake, fields="version")
    assert limited.status_code == 429
    assert limited.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    fake.fail_next(1, 500, kinds=("drive",))
    assert files_get(drive, fake, fields="version").json()["error"]["errors"][0]["reason"] == "backendError"
    fake.hang_next(1, seconds=30, kinds=("drive",))
    with pytest.raises(requests.exceptions.Timeout):
        drive.get(f"{fake.drive_base_url}/files/{SID}", params={"fields": "version"}, timeout=0.5)
    assert files_get(drive, fake, fields="version").status_code == 200


def test_expired_token_gets_401_and_google_auth_refreshes(fake: FakeSheetsAPI, drive: AuthorizedSession) -> None:
    files_get(drive, fake, fields="version")
    fake.expire_tokens()
    assert files_get(drive, fake, fields="version").status_code == 200
    assert fake.tokens_issued == 2
    assert [r.status for r in fake.requests if r.kind == "drive"] == [200, 401, 200]
