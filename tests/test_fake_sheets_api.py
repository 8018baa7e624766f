"""The fake Sheets API behaves like Google's, as seen through the real gspread
and google-auth clients (nothing here talks to the fake except over HTTP,
apart from the staff/inspection helpers the fake offers to tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import google.auth.exceptions
import gspread
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2.service_account import Credentials
from gspread.exceptions import APIError

from tests.fakes.sheets_api import SHEETS_PREFIX, FakeSheetsAPI, Formula, RequestRecord

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
SID = "1PondokRegisterTestSheet"
HEADER = ["Tiket", "Masuk", "Saluran", "Layanan", "Nama", "NIK", "WhatsApp", "Keterangan", "Status", "Catatan", "Diperbarui", "Notifikasi"]


def http_client_for(base_url: str) -> type[gspread.http_client.HTTPClient]:
    """gspread HTTPClient that sends Sheets calls to the fake instead of Google."""

    class RewritingHTTPClient(gspread.http_client.HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
            if endpoint.startswith(SHEETS_PREFIX):
                endpoint = base_url + endpoint[len(SHEETS_PREFIX) :]
            return super().request(method, endpoint, *args, **kwargs)

    return RewritingHTTPClient


def column(values: list[list[str]], index: int) -> list[str]:
    return [row[index] if index < len(row) else "" for row in values]


def make_client(fake: FakeSheetsAPI, *, scopes: list[str] = SCOPES, timeout: float | None = None, info: dict[str, str] | None = None) -> gspread.Client:
    creds = Credentials.from_service_account_info(info or fake.service_account_info(), scopes=scopes)
    client = gspread.Client(auth=creds, http_client=http_client_for(fake.base_url))
    if timeout is not None:
        client.set_timeout(timeout)
    return client


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
                "Layanan": [["Kode", "Layanan", "Persyaratan", "Lama (hari)", "Aktif"], ["KTP", "KTP-el", "KK", "3", "TRUE"]],
                "Log": [["Waktu", "Tiket", "Kepada", "Jenis", "Saluran", "Isi", "Hasil", "ID Pesan"]],
            },
        )
        yield api
        assert api.errors == []


@pytest.fixture
def gc(fake: FakeSheetsAPI) -> gspread.Client:
    return make_client(fake)


@pytest.fixture
def sh(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.open_by_key(SID)


# --- authentication ------------------------------------------------------------


def test_token_is_issued_for_a_signed_jwt_and_carried_on_every_call(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    sh.worksheet("Permohonan").get_all_values()
    assert fake.tokens_issued == 1
    token_calls = [r for r in fake.requests if r.kind == "token"]
    assert [(r.status, r.json["grant_type"]) for r in token_calls] == [(200, "urn:ietf:params:oauth:grant-type:jwt-bearer")]
    sheets_calls = [r for r in fake.requests if r.kind != "token"]
    assert sheets_calls and all(r.status == 200 for r in sheets_calls)


def test_call_without_token_gets_401_unauthenticated(fake: FakeSheetsAPI) -> None:
    anonymous = gspread.Client(auth=None, session=requests.Session(), http_client=http_client_for(fake.base_url))  # type: ignore[arg-type]
    with pytest.raises(APIError) as exc:
        anonymous.open_by_key(SID)
    assert exc.value.code == 401
    assert exc.value.error["status"] == "UNAUTHENTICATED"
    assert exc.value.error["message"].startswith("Request had invalid authentication credentials")


def test_jwt_signed_with_another_key_is_refused(fake: FakeSheetsAPI) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info = dict(fake.service_account_info())
    info["private_key"] = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(google.auth.exceptions.RefreshError, match="Invalid JWT Signature"):
        make_client(fake, info=info).open_by_key(SID)
    assert fake.tokens_issued == 0


def test_expired_token_gets_401_and_google_auth_refreshes(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.expire_tokens()
    assert sh.worksheet("Layanan").acell("A2").value == "KTP"
    assert fake.tokens_issued == 2
    assert 401 in [r.status for r in fake.requests]


def test_readonly_scope_cannot_write(fake: FakeSheetsAPI) -> None:
    ws = make_client(fake, scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"]).open_by_key(SID).worksheet("Log")
    with pytest.raises(APIError) as exc:
        ws.update([["x"]], "A2")
    assert exc.value.code == 403


# --- reads -------------------------------------------------------------------------


def test_values_get_shape_and_trimming(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.set_cell(SID, "Log", 3, 2, "middle")  # row 2 empty, B3 set
    whole = sh.values_get("'Log'")
    assert whole["range"] == "Log!A1:Z1000"
    assert whole["majorDimension"] == "ROWS"
    # trailing empty cells / rows are dropped, gaps in the middle are ""
    assert whole["values"] == [["Waktu", "Tiket", "Kepada", "Jenis", "Saluran", "Isi", "Hasil", "ID Pesan"], [], ["", "middle"]]
    assert "values" not in sh.values_get("Log!C5:D9")
    assert sh.values_get("Log!C5:D9")["range"] == "Log!C5:D9"
    cols = sh.values_get("Log!A1:B3", params={"majorDimension": "COLUMNS"})
    assert cols["values"] == [["Waktu"], ["Tiket", "", "middle"]]


def test_a1_range_forms(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.add_tab(SID, "It's mine", [["a", "b"], ["c", "d"]])
    fake.add_tab(SID, "Form Responses 1", [["x", "y", "z"], ["1", "2", "3"]])
    assert sh.values_get("'It''s mine'!A1")["values"] == [["a"]]
    assert sh.values_get("'It''s mine'!A1")["range"] == "'It''s mine'!A1"
    assert sh.values_get("'Form Responses 1'!A:A") == {"range": "'Form Responses 1'!A1:A1000", "majorDimension": "ROWS", "values": [["x"], ["1"]]}
    assert sh.values_get("'Form Responses 1'!1:1")["range"] == "'Form Responses 1'!A1:Z1"
    assert sh.values_get("'Form Responses 1'!B2:C")["values"] == [["2", "3"]]
    assert sh.values_get("'Form Responses 1'!B2:C")["range"] == "'Form Responses 1'!B2:C1000"
    # a bare A1 range means the first sheet
    assert sh.values_get("A1:B1")["range"] == "Permohonan!A1:B1"
    # the real gspread path: worksheet titles with a quote are escaped by gspread
    assert sh.worksheet("It's mine").get_all_values() == [["a", "b"], ["c", "d"]]


def test_bad_ranges_and_unknown_spreadsheet(gc: gspread.Client, sh: gspread.Spreadsheet) -> None:
    with pytest.raises(APIError) as exc:
        sh.values_get("Nope!A1")
    assert (exc.value.code, exc.value.error["message"], exc.value.error["status"]) == (400, "Unable to parse range: Nope!A1", "INVALID_ARGUMENT")
    with pytest.raises(APIError) as exc:
        sh.values_get("Log!A1:AA2")
    assert exc.value.code == 400
    assert exc.value.error["message"] == "Range (Log!A1:AA2) exceeds grid limits. Max rows: 1000, max columns: 26"
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("does-not-exist")


def test_batch_get_counts_once_and_returns_each_range(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.reset_counts()
    res = sh.values_batch_get(["Permohonan", "Layanan!A:B", "Log!A2:C"])
    assert (fake.reads, fake.writes) == (1, 0)
    assert [vr["range"] for vr in res["valueRanges"]] == ["Permohonan!A1:Z1000", "Layanan!A1:B1000", "Log!A2:C1000"]
    assert res["valueRanges"][1]["values"] == [["Kode", "Layanan"], ["KTP", "KTP-el"]]
    assert "values" not in res["valueRanges"][2]
    record = fake.requests[-1]
    assert isinstance(record, RequestRecord)
    assert (record.endpoint, record.kind, record.query["ranges"]) == ("values.batchGet", "read", ["Permohonan", "Layanan!A:B", "Log!A2:C"])


def test_render_options(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Layanan")
    # staff typed "3" and "TRUE": a number and a boolean
    assert ws.get("D2:E2")[0] == ["3", "TRUE"]
    assert ws.get("D2:E2", value_render_option="UNFORMATTED_VALUE")[0] == [3, True]
    fake.set_cell(SID, "Layanan", 3, 4, "1,5")  # id_ID: comma is the decimal separator
    fake.set_cell(SID, "Layanan", 3, 5, "2024-01-05")
    assert ws.get("D3:E3")[0] == ["1,5", "2024-01-05"]
    assert ws.get("D3:E3", value_render_option="UNFORMATTED_VALUE")[0] == [1.5, 45296]
    assert ws.get("E3", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING")[0] == ["2024-01-05"]
    # "Masuk" typed by staff as a date-time is a serial number underneath
    assert sh.worksheet("Permohonan").get("B2", value_render_option="UNFORMATTED_VALUE")[0][0] == pytest.approx(45413.375)


# --- writes --------------------------------------------------------------------------


def test_raw_keeps_strings_literally(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Log")
    ws.update([["=SUM(1)", "'=HYPERLINK(1)", "0812345", "TRUE", 7]], "A2", raw=True)
    assert ws.get("A2:E2")[0] == ["=SUM(1)", "'=HYPERLINK(1)", "0812345", "TRUE", "7"]
    assert ws.get("A2:E2", value_render_option="UNFORMATTED_VALUE")[0] == ["=SUM(1)", "'=HYPERLINK(1)", "0812345", "TRUE", 7]
    assert fake.raw_cell(SID, "Log", 2, 1) == "=SUM(1)"
    assert fake.raw_cell(SID, "Log", 2, 5) == 7


def test_user_entered_parses_like_typing(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Log")
    ws.update(
        [["0812345", "'0812345", "true", '=HYPERLINK("https://desa.id/t/1";"Lihat")', '=HYPERLINK("https://desa.id/t/1","Lihat")', "=SUM(1)"]],
        "A2",
        raw=False,
    )
    assert ws.get("A2:F2")[0] == ["812345", "0812345", "TRUE", "Lihat", "#ERROR!", "#NAME?"]
    assert ws.get("A2:F2", value_render_option="FORMULA")[0][3] == '=HYPERLINK("https://desa.id/t/1";"Lihat")'
    assert fake.raw_cell(SID, "Log", 2, 1) == 812345  # the leading zero is gone
    assert fake.raw_cell(SID, "Log", 2, 2) == "0812345"
    assert fake.raw_cell(SID, "Log", 2, 4) == Formula('=HYPERLINK("https://desa.id/t/1";"Lihat")')


def test_update_past_the_grid_or_the_range_is_rejected(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Log")
    with pytest.raises(APIError) as exc:
        ws.update([["x"]], "A1001")
    assert exc.value.code == 400 and "exceeds grid limits" in exc.value.error["message"]
    with pytest.raises(APIError) as exc:
        ws.update([["x", "y"], ["z", "w"]], "Z999")
    assert "exceeds grid limits" in exc.value.error["message"]
    with pytest.raises(APIError) as exc:
        ws.update([["a", "b", "c"]], "A2:B2")
    assert "but tried writing to column [C]" in exc.value.error["message"]
    assert fake.values(SID, "Log") == [["Waktu", "Tiket", "Kepada", "Jenis", "Saluran", "Isi", "Hasil", "ID Pesan"]]


def test_update_response_and_nulls_are_skipped(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    res = sh.values_update("Permohonan!I2", params={"valueInputOption": "RAW"}, body={"values": [["Selesai", None, "Diambil"]]})
    assert res == {"spreadsheetId": SID, "updatedRange": "Permohonan!I2:K2", "updatedRows": 1, "updatedColumns": 2, "updatedCells": 2}
    assert fake.values(SID, "Permohonan")[1][8:11] == ["Selesai", "", "Diambil"]
    # "" clears a cell
    sh.values_update("Permohonan!K2", params={"valueInputOption": "RAW"}, body={"values": [[""]]})
    assert fake.raw_cell(SID, "Permohonan", 2, 11) is None
    with pytest.raises(APIError) as exc:
        sh.values_update("Permohonan!K2", params={}, body={"values": [["x"]]})
    assert exc.value.code == 400 and "valueInputOption" in exc.value.error["message"]


def test_answers_are_pretty_printed_unless_prettyprint_is_false(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    pretty = sh.values_batch_get(["Permohonan"])
    compact = sh.values_batch_get(["Permohonan"], params={"prettyPrint": "false"})
    assert compact == pretty and compact["valueRanges"][0]["values"][1][:2] == ["PDK-7K3QM9", "2024-05-01 09:00"]
    first, second = fake.requests[-2], fake.requests[-1]
    assert second.bytes_out < first.bytes_out  # Google's default indents every value on its own line


def test_values_batch_update(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.reset_counts()
    res = sh.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Permohonan!I2", "values": [["Selesai"]]},
                {"range": "Permohonan!L2:L3", "values": [["Selesai 2024-05-03"], ["Diproses 2024-05-03"]]},
            ],
        }
    )
    assert (fake.reads, fake.writes) == (0, 1)
    assert (res["totalUpdatedCells"], res["totalUpdatedRows"], res["totalUpdatedColumns"], res["totalUpdatedSheets"]) == (3, 2, 2, 1)
    assert [r["updatedRange"] for r in res["responses"]] == ["Permohonan!I2", "Permohonan!L2:L3"]
    assert fake.values(SID, "Permohonan")[2][11] == "Diproses 2024-05-03"
    # one bad range -> nothing is written
    with pytest.raises(APIError):
        sh.values_batch_update({"valueInputOption": "RAW", "data": [{"range": "Permohonan!J2", "values": [["x"]]}, {"range": "Nope!A1", "values": [["y"]]}]})
    assert fake.raw_cell(SID, "Permohonan", 2, 10) is None


# --- append ----------------------------------------------------------------------------


def test_append_lands_after_the_table_in_a_gap(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.set_cell(SID, "Permohonan", 6, 1, "catatan staf")  # row 4 and 5 empty, note in row 6
    ws = sh.worksheet("Permohonan")
    res = ws.append_row(["PDK-9X2WQ4", "", "WhatsApp"], table_range="A1")
    assert res["tableRange"] == "Permohonan!A1:L3"
    assert res["updates"]["updatedRange"] == "Permohonan!A4:C4"
    assert (res["updates"]["updatedRows"], res["updates"]["updatedColumns"], res["updates"]["updatedCells"]) == (1, 3, 3)
    assert column(fake.values(SID, "Permohonan"), 0) == ["Tiket", "PDK-7K3QM9", "PDK-8P4RT2", "PDK-9X2WQ4", "", "catatan staf"]
    assert fake.sheet_properties(SID, "Permohonan")["gridProperties"]["rowCount"] == 1000  # OVERWRITE


def test_append_insert_rows_shifts_rows_below(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.set_cell(SID, "Permohonan", 5, 1, "catatan staf")  # directly after one empty row
    res = sh.values_append(
        "Permohonan!A:L",
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [["PDK-A"], ["PDK-B"]]},
    )
    assert res["updates"]["updatedRange"] == "Permohonan!A4:A5"
    assert column(fake.values(SID, "Permohonan"), 0) == ["Tiket", "PDK-7K3QM9", "PDK-8P4RT2", "PDK-A", "PDK-B", "", "catatan staf"]
    assert fake.sheet_properties(SID, "Permohonan")["gridProperties"]["rowCount"] == 1002


def test_append_into_an_empty_tab_and_past_the_grid(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    fake.add_tab(SID, "Kosong")
    res = sh.values_append("Kosong", params={"valueInputOption": "RAW"}, body={"values": [["a", "b"]]})
    assert "tableRange" not in res
    assert res["updates"]["updatedRange"] == "Kosong!A1:B1"
    fake.resize(SID, "Log", rows=1)
    res = sh.worksheet("Log").append_rows([["t1"], ["t2"]])
    assert res["updates"]["updatedRange"] == "Log!A2:A3"
    assert fake.sheet_properties(SID, "Log")["gridProperties"]["rowCount"] == 3


def test_gspread_insert_and_delete_rows(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    ws.insert_rows([["PDK-NEW"]], row=2)
    assert [r[0] for r in fake.values(SID, "Permohonan")] == ["Tiket", "PDK-NEW", "PDK-7K3QM9", "PDK-8P4RT2"]
    ws.delete_rows(3)
    assert [r[0] for r in fake.values(SID, "Permohonan")] == ["Tiket", "PDK-NEW", "PDK-8P4RT2"]
    assert fake.sheet_properties(SID, "Permohonan")["gridProperties"]["rowCount"] == 1000


# --- structure / metadata ----------------------------------------------------------------


def test_batch_update_structure_and_metadata(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    statuses = ["Baru", "Diproses", "Perlu Dilengkapi", "Siap Diambil", "Selesai", "Ditolak"]
    res = sh.batch_update(
        {
            "requests": [
                {"updateSheetProperties": {"properties": {"sheetId": ws.id, "gridProperties": {"frozenRowCount": 1}}, "fields": "gridProperties.frozenRowCount"}},
                {
                    "setDataValidation": {
                        "range": {"sheetId": ws.id, "startRowIndex": 1, "endRowIndex": 1000, "startColumnIndex": 8, "endColumnIndex": 9},
                        "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": s} for s in statuses]}, "strict": True, "showCustomUi": True},
                    }
                },
                {
                    "addConditionalFormatRule": {
                        "rule": {
                            "ranges": [{"sheetId": ws.id, "startRowIndex": 1, "startColumnIndex": 8, "endColumnIndex": 9}],
                            "booleanRule": {"condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "Baru"}]}, "format": {"backgroundColor": {"red": 1}}},
                        },
                        "index": 0,
                    }
                },
                {"addProtectedRange": {"protectedRange": {"range": {"sheetId": ws.id, "startColumnIndex": 11, "endColumnIndex": 12}, "description": "Notifikasi", "warningOnly": True}}},
                {"addSheet": {"properties": {"title": "Pesan", "gridProperties": {"rowCount": 20, "columnCount": 2}}}},
            ]
        }
    )
    replies = res["replies"]
    assert len(replies) == 5 and replies[0] == replies[1] == replies[2] == {}
    protected_id = replies[3]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    assert replies[4]["addSheet"]["properties"]["title"] == "Pesan"
    assert replies[4]["addSheet"]["properties"]["gridProperties"] == {"rowCount": 20, "columnCount": 2}

    meta = sh.fetch_sheet_metadata()
    assert meta["properties"]["locale"] == "id_ID" and meta["properties"]["timeZone"] == "Asia/Jakarta"
    sheet = meta["sheets"][0]
    assert sheet["properties"]["gridProperties"] == {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1}
    assert sheet["protectedRanges"][0]["protectedRangeId"] == protected_id and sheet["protectedRanges"][0]["warningOnly"] is True
    assert sheet["conditionalFormats"][0]["booleanRule"]["condition"]["type"] == "TEXT_EQ"
    assert "data" not in sheet
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Permohonan", "Layanan", "Log", "Pesan"]

    # grid data tells a caller whether the Status column already has its dropdown
    grid = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "Permohonan!I1:I3"})
    assert [s["properties"]["title"] for s in grid["sheets"]] == ["Permohonan"]
    rows = grid["sheets"][0]["data"][0]["rowData"]
    assert grid["sheets"][0]["data"][0]["startColumn"] == 8
    assert "dataValidation" not in rows[0]["values"][0]
    assert rows[1]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    assert rows[1]["values"][0]["formattedValue"] == "Baru"
    assert fake.data_validation(SID, "Permohonan", 3, 9)["strict"] is True  # type: ignore[index]
    assert fake.data_validation(SID, "Permohonan", 1, 9) is None
    assert fake.sheet_properties(SID, "Permohonan")["gridProperties"]["frozenRowCount"] == 1
    assert len(fake.conditional_formats(SID, "Permohonan")) == 1
    assert fake.protected_ranges(SID, "Permohonan")[0]["description"] == "Notifikasi"

    # gspread's own helpers use the same requests
    sh.worksheet("Pesan").freeze(rows=1)
    assert fake.sheet_properties(SID, "Pesan")["gridProperties"]["frozenRowCount"] == 1


def test_batch_update_is_all_or_nothing(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    with pytest.raises(APIError) as exc:
        sh.batch_update(
            {
                "requests": [
                    {"updateSheetProperties": {"properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}}, "fields": "gridProperties.frozenRowCount"}},
                    {"fooBar": {}},
                ]
            }
        )
    assert exc.value.code == 400 and "Unknown name \"fooBar\"" in exc.value.error["message"]
    assert "frozenRowCount" not in fake.sheet_properties(SID, "Permohonan")["gridProperties"]
    with pytest.raises(APIError) as exc:
        sh.batch_update({"requests": [{"setDataValidation": {"range": {"sheetId": 999}, "rule": {"condition": {"type": "BOOLEAN"}}}}]})
    assert exc.value.error["message"] == "Invalid requests[0].setDataValidation: No grid with id: 999"


def test_inserted_rows_inherit_validation_and_move_protected_ranges(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    sh.batch_update(
        {
            "requests": [
                {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 8, "endColumnIndex": 9}, "rule": {"condition": {"type": "BOOLEAN"}}}},
                {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}, "warningOnly": True}}},
            ]
        }
    )
    sh.values_append("Permohonan!A1", params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}, body={"values": [["PDK-C"]]})
    assert fake.data_validation(SID, "Permohonan", 4, 9) == {"condition": {"type": "BOOLEAN"}}
    sh.worksheet("Permohonan").insert_rows([["top"]], row=1)
    assert fake.protected_ranges(SID, "Permohonan")[0]["range"] == {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2}


# --- counters & request log ------------------------------------------------------------------


def test_counters_and_request_log(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    fake.reset_counts()
    ws.get_all_values()
    ws.append_rows([["PDK-1"], ["PDK-2"]])
    sh.batch_update({"requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 10}}]})
    assert (fake.reads, fake.writes) == (1, 2)
    append = [r for r in fake.requests if r.endpoint == "values.append"][0]
    assert append.method == "POST" and append.kind == "write" and append.status == 200
    assert append.range == "'Permohonan'" and append.spreadsheet_id == SID
    assert append.query["valueInputOption"] == "RAW"
    assert append.json == {"values": [["PDK-1"], ["PDK-2"]]}
    assert fake.sheet_properties(SID, "Permohonan")["gridProperties"]["rowCount"] == 1010


# --- fault injection ------------------------------------------------------------------------------


def test_fail_next_429_surfaces_as_api_error(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    fake.fail_next(1, 429)
    with pytest.raises(APIError) as exc:
        ws.get_all_values()
    assert exc.value.code == 429 and exc.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert "Quota exceeded for quota metric 'Read requests'" in exc.value.error["message"]
    assert ws.get_all_values()[1][0] == "PDK-7K3QM9"  # only the next one failed

    fake.fail_next(2, 503, kinds=("write",))
    ws.get_all_values()  # reads are unaffected
    for _ in range(2):
        with pytest.raises(APIError) as exc:
            ws.update([["x"]], "J2")
        assert exc.value.code == 503 and exc.value.error["status"] == "UNAVAILABLE"
    assert fake.raw_cell(SID, "Permohonan", 2, 10) is None  # a failed write is not applied
    ws.update([["x"]], "J2")
    assert fake.raw_cell(SID, "Permohonan", 2, 10) == "x"


def test_fail_randomly_is_seeded_and_can_be_disabled(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Layanan")

    def outcomes() -> list[int]:
        codes = []
        for _ in range(20):
            try:
                ws.acell("A1")
                codes.append(200)
            except APIError as exc:
                codes.append(exc.code)
        return codes

    fake.fail_randomly(0.5, seed=7)
    first = outcomes()
    fake.fail_randomly(0.5, seed=7)
    assert outcomes() == first
    assert set(first) - {200} <= {429, 500, 503} and 200 in first and len(set(first)) > 1
    fake.fail_randomly(0)
    assert set(outcomes()) == {200}


def test_hang_times_out_the_client_without_blocking_others(fake: FakeSheetsAPI) -> None:
    slow = make_client(fake, timeout=1).open_by_key(SID).worksheet("Permohonan")
    other = make_client(fake).open_by_key(SID).worksheet("Layanan")
    fake.hang_next(1, seconds=30)
    results: dict[str, Any] = {}

    def call_other() -> None:
        time.sleep(0.2)
        started = time.monotonic()
        results["value"] = other.acell("A2").value
        results["elapsed"] = time.monotonic() - started

    helper = threading.Thread(target=call_other)
    helper.start()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        slow.get_all_values()
    assert 0.9 < time.monotonic() - started < 5
    helper.join()
    assert results["value"] == "KTP" and results["elapsed"] < 0.5
    stop_started = time.monotonic()
    fake.stop()  # releases the still-hanging request thread
    assert time.monotonic() - stop_started < 2


def test_truncate_cuts_a_read_short_as_a_dropped_connection(fake: FakeSheetsAPI) -> None:
    ws = make_client(fake).open_by_key(SID).worksheet("Layanan")
    fake.truncate_next(1)
    with pytest.raises(requests.exceptions.RequestException):  # gspread reads the whole body: it breaks
        ws.get_all_values()
    assert ws.acell("A2").value == "KTP"  # the next read is whole


def test_hang_after_applies_the_write_but_loses_the_answer(fake: FakeSheetsAPI) -> None:
    ws = make_client(fake, timeout=1).open_by_key(SID).worksheet("Log")
    fake.hang_next(1, seconds=30, after=True, kinds=("write",))
    with pytest.raises(requests.exceptions.Timeout):
        ws.append_row(["2024-05-03", "PDK-7K3QM9"])
    assert fake.values(SID, "Log")[1] == ["2024-05-03", "PDK-7K3QM9"]


def test_fail_after_applying_writes_the_rows_then_answers_the_error(fake: FakeSheetsAPI) -> None:
    ws = make_client(fake).open_by_key(SID).worksheet("Log")
    fake.fail_after_applying(1, 503)
    with pytest.raises(APIError) as exc:
        ws.append_row(["2024-05-03", "PDK-7K3QM9"])
    assert exc.value.code == 503 and exc.value.error["status"] == "UNAVAILABLE"
    assert fake.values(SID, "Log")[1:] == [["2024-05-03", "PDK-7K3QM9"]]  # it landed all the same
    ws.append_row(["2024-05-04", "PDK-7K3QM9"])  # the rule is used up: the next write is answered 200
    assert [r[0] for r in fake.values(SID, "Log")[1:]] == ["2024-05-03", "2024-05-04"]
    fake.fail_after_applying(1, 500)
    assert ws.get_all_values()[0][0] == "Waktu"  # a read is not a write: untouched by the rule


def test_deny_access_is_403_permission_denied(fake: FakeSheetsAPI, gc: gspread.Client, sh: gspread.Spreadsheet) -> None:
    fake.deny_access()
    with pytest.raises(APIError) as exc:
        sh.values_get("Permohonan")
    assert exc.value.code == 403 and exc.value.error["status"] == "PERMISSION_DENIED"
    with pytest.raises(PermissionError):  # gspread maps a 403 on open to PermissionError
        gc.open_by_key(SID)
    fake.deny_access(False)
    assert sh.values_get("Layanan!A1")["values"] == [["Kode"]]


# --- staff actions ------------------------------------------------------------------------------------


def test_staff_actions_are_visible_through_reads(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    fake.set_cell(SID, "Permohonan", 3, 7, "081234567890")  # staff retype a number: it becomes one
    assert ws.acell("G3").value == "81234567890"
    fake.sort_rows(SID, "Permohonan", column=5, reverse=True)  # by Nama, Z-A
    assert [r[4] for r in ws.get_all_values()[1:]] == ["Budi", "Ani"]
    fake.insert_row(SID, "Permohonan", 2, ["PDK-STAF", "", "Loket"])
    fake.delete_row(SID, "Permohonan", 4)
    fake.rename_header(SID, "Permohonan", "Catatan", "Catatan Petugas")
    values = ws.get_all_values()
    assert values[0][9] == "Catatan Petugas"
    assert [r[0] for r in values] == ["Tiket", "PDK-STAF", "PDK-8P4RT2"]
    fake.add_tab(SID, "Arsip", [["Tiket"]])
    assert [w.title for w in sh.worksheets()] == ["Permohonan", "Layanan", "Log", "Arsip"]
    fake.delete_tab(SID, "Arsip")
    with pytest.raises(gspread.WorksheetNotFound):
        sh.worksheet("Arsip")


def test_before_request_lets_staff_act_between_read_and_write(fake: FakeSheetsAPI, sh: gspread.Spreadsheet) -> None:
    ws = sh.worksheet("Permohonan")
    rows = ws.get_all_values()
    target = next(i for i, r in enumerate(rows, start=1) if r[0] == "PDK-8P4RT2")
    seen: list[str] = []

    def staff_sorts_before_the_write(record: RequestRecord) -> None:
        seen.append(record.endpoint)
        if record.kind == "write":
            fake.sort_rows(SID, "Permohonan", column=1, reverse=True)

    fake.before_request(staff_sorts_before_the_write)
    ws.update([["Selesai"]], f"I{target}")  # a stale row number now points at another ticket
    fake.before_request(None)
    assert seen == ["values.update"]
    after = {r[0]: r[8] for r in fake.values(SID, "Permohonan")[1:]}
    assert after == {"PDK-8P4RT2": "Diproses", "PDK-7K3QM9": "Selesai"}


def test_lifecycle(fake: FakeSheetsAPI) -> None:
    idle = FakeSheetsAPI()
    with pytest.raises(RuntimeError):
        _ = idle.base_url
    with idle:
        assert idle.base_url.startswith("http://127.0.0.1:") and idle.base_url.endswith("/v4/spreadsheets")
        assert idle.token_uri == idle.base_url.replace("/v4/spreadsheets", "/token")
        info = idle.service_account_info()
        assert info["type"] == "service_account" and info["token_uri"] == idle.token_uri
        assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(idle.base_url + "/x", timeout=1)
