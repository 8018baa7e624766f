"""`init-sheet` for a Google Sheet: tabs, headers, dropdown, colours, protection — idempotently.

Every step first looks at what the sheet already has, so a second run sends no write at
all, and nothing staff typed (data, their own columns) is touched.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..register.forms import TICKET, is_responses_tab, map_columns
from ..register.model import KIRIM_WA, PERMOHONAN, Status, TabSpec
from ..register.table import Table
from .google_api import column_letter, quote_tab


class SheetsCaller(Protocol):
    """What set-up needs of the Google store: one bounded API call, and the batched read."""

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any: ...

    def read(self, tabs: Sequence[str], headers_only: Sequence[str] = ()) -> dict[str, Table]: ...

PROTECTED = ("Tiket", "Notifikasi")
TEXT_HEADERS = ("Tiket", "NIK", "WhatsApp")
PROTECTION_NOTE = "Pondok Sheets: kolom {header} diisi oleh layanan; ubah hanya bila perlu."
# Light fills staff can read black text on, one per status.
COLOURS: dict[Status, tuple[float, float, float]] = {
    Status.BARU: (0.81, 0.89, 0.98),
    Status.DIPROSES: (1.0, 0.95, 0.75),
    Status.PERLU_DILENGKAPI: (0.99, 0.85, 0.70),
    Status.SIAP_DIAMBIL: (0.80, 0.93, 0.80),
    Status.SELESAI: (0.90, 0.90, 0.90),
    Status.DITOLAK: (0.96, 0.78, 0.78),
}


def _status_formula(letter: str, status: Status) -> str:
    return f'=${letter}2="{status.value}"'


def prepare_sheet(store: SheetsCaller, specs: Sequence[TabSpec]) -> list[str]:
    """Bring the sheet up to what the service needs; returns what was done, in Bahasa Indonesia."""
    done: list[str] = []
    meta = store.call("fetch_sheet_metadata", params={"includeGridData": "false"})
    sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
    missing = [spec for spec in specs if spec.name not in sheets]
    if missing:
        answer = store.call("batch_update", {"requests": [
            {"addSheet": {"properties": {"title": spec.name, "gridProperties": {
                "rowCount": 1000, "columnCount": max(26, len(spec.headers)), "frozenRowCount": 1}}}}
            for spec in missing]})
        for spec, reply in zip(missing, answer.get("replies", [])):
            sheets[spec.name] = {"properties": reply["addSheet"]["properties"]}
            done.append(f"Tab {spec.name} dibuat.")

    tables = store.read([], headers_only=[spec.name for spec in specs])
    header_writes: list[dict[str, Any]] = []
    grow: list[dict[str, Any]] = []
    for spec in specs:
        table = tables[spec.name]
        headers = list(table.headers)
        for header in spec.headers:
            if table.column(header) is None:
                headers.append(header)
                header_writes.append({"range": f"{quote_tab(spec.name)}!{column_letter(len(headers) - 1)}1",
                                      "values": [[header]]})
                if spec not in missing:
                    done.append(f"Kolom '{header}' ditambahkan di tab {spec.name}.")
        grid = sheets[spec.name]["properties"].get("gridProperties", {})
        if len(headers) > grid.get("columnCount", 26):
            grow.append({"appendDimension": {"sheetId": sheets[spec.name]["properties"]["sheetId"],
                                             "dimension": "COLUMNS",
                                             "length": len(headers) - grid.get("columnCount", 26)}})
        tables[spec.name] = Table(spec.name, [headers])
    if grow:
        store.call("batch_update", {"requests": grow})
    if header_writes:
        store.call("values_batch_update", body={"valueInputOption": "RAW", "data": header_writes})

    requests: list[dict[str, Any]] = []
    for spec in specs:
        properties = sheets[spec.name]["properties"]
        if properties.get("gridProperties", {}).get("frozenRowCount", 0) < 1:
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": properties["sheetId"], "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount"}})
            done.append(f"Baris judul tab {spec.name} dibekukan.")
    if any(spec.name == PERMOHONAN.name for spec in specs):
        requests += _permohonan_rules(store, sheets[PERMOHONAN.name], tables[PERMOHONAN.name], done)
    if any(spec.name == KIRIM_WA.name for spec in specs):
        requests += _checkbox(store, sheets[KIRIM_WA.name], tables[KIRIM_WA.name], done)
    requests += _plain_text_columns(store, specs, sheets, tables, done)
    if requests:
        store.call("batch_update", {"requests": requests})
    return done


def text_headers(spec: TabSpec, table: Table, overrides: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The columns of a tab that must be Plain text: what Sheets would otherwise turn into numbers."""
    if spec.name == PERMOHONAN.name:
        return [h for h in TEXT_HEADERS if table.column(h) is not None]
    if is_responses_tab(table):
        fields = map_columns(table, overrides).fields
        return [TICKET] * (table.column(TICKET) is not None) + [fields[f] for f in ("nik", "wa") if f in fields]
    return []


def _plain_text_columns(store: SheetsCaller, specs: Sequence[TabSpec], sheets: dict[str, Any],
                        tables: dict[str, Table], done: list[str]) -> list[dict]:
    """NIK, WhatsApp and Tiket as Plain text, so a NIK keeps its 16 digits (a Sheets number is a
    double: about 15 significant digits) and a '+62…' answer is not parsed as a formula."""
    overrides = getattr(getattr(store, "settings", None), "form_fields", {}) or {}
    wanted = [(spec.name, header, tables[spec.name].column(header))
              for spec in specs for header in text_headers(spec, tables[spec.name], overrides)]
    if not wanted:
        return []
    probe = store.call("fetch_sheet_metadata", params={
        "includeGridData": "true",
        "ranges": [f"{quote_tab(tab)}!{column_letter(index)}2" for tab, _, index in wanted],
        "fields": "sheets(properties(title),data(rowData(values(userEnteredFormat(numberFormat)))))"})
    formats: dict[str, list[str]] = {}
    for sheet in probe.get("sheets", []):
        title = sheet.get("properties", {}).get("title", "")
        for data in sheet.get("data", []):
            rows = data.get("rowData") or [{}]
            values = rows[0].get("values") or [{}]
            kind = values[0].get("userEnteredFormat", {}).get("numberFormat", {}).get("type", "")
            formats.setdefault(title, []).append(kind)
    requests = []
    for tab, header, index in wanted:
        seen = formats.get(tab, [])
        if seen and seen.pop(0) == "TEXT":
            continue
        requests.append({"repeatCell": {
            "range": {"sheetId": sheets[tab]["properties"]["sheetId"], "startRowIndex": 1,
                      "startColumnIndex": index, "endColumnIndex": index + 1},
            "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
            "fields": "userEnteredFormat.numberFormat"}})
        done.append(f"Kolom {header} di tab {tab} diformat Teks biasa, agar Sheets tidak mengubahnya menjadi angka.")
    return requests


def _permohonan_rules(store: SheetsCaller, sheet: dict[str, Any], table: Table, done: list[str]) -> list[dict]:
    """Dropdown on Status, colours by status, warning-only protection of the service's columns."""
    sheet_id = sheet["properties"]["sheetId"]
    status_index = table.column("Status")
    assert status_index is not None
    letter = column_letter(status_index)
    requests: list[dict[str, Any]] = []

    probe = store.call("fetch_sheet_metadata", params={
        "includeGridData": "true", "ranges": f"{quote_tab(PERMOHONAN.name)}!{letter}2",
        "fields": "sheets(data(rowData(values(dataValidation))))"})
    rule = _first_validation(probe)
    wanted = [s.value for s in Status]
    have = [v.get("userEnteredValue") for v in rule.get("condition", {}).get("values", [])] if rule else []
    if not (rule and rule.get("strict") and have == wanted):
        requests.append({"setDataValidation": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": status_index,
                      "endColumnIndex": status_index + 1},
            "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in wanted]},
                     "strict": True, "showCustomUi": True,
                     "inputMessage": "Pilih status permohonan dari daftar."}}})
        done.append("Pilihan Status (dropdown) dipasang di tab Permohonan.")

    formulas = {_formula_of(r) for r in sheet.get("conditionalFormats", [])}
    if not all(_status_formula(letter, s) in formulas for s in Status):
        # Rules this service added earlier for another Status column are replaced, staff's own kept.
        ours = re.compile(r'^=\$[A-Z]+2="(' + "|".join(re.escape(s.value) for s in Status) + r')"$')
        stale = [i for i, r in enumerate(sheet.get("conditionalFormats", [])) if ours.match(_formula_of(r))]
        requests += [{"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}} for i in reversed(stale)]
        for status, (red, green, blue) in COLOURS.items():
            requests.append({"addConditionalFormatRule": {"index": 0, "rule": {
                "ranges": [{"sheetId": sheet_id, "startRowIndex": 1}],
                "booleanRule": {
                    "condition": {"type": "CUSTOM_FORMULA",
                                  "values": [{"userEnteredValue": _status_formula(letter, status)}]},
                    "format": {"backgroundColor": {"red": red, "green": green, "blue": blue}}}}}})
        done.append("Warna baris menurut Status dipasang di tab Permohonan.")

    notes = {p.get("description", "") for p in sheet.get("protectedRanges", [])}
    for header in PROTECTED:
        note = PROTECTION_NOTE.format(header=header)
        index = table.column(header)
        if note in notes or index is None:
            continue
        requests.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sheet_id, "startColumnIndex": index, "endColumnIndex": index + 1},
            "description": note, "warningOnly": True}}})
        done.append(f"Kolom {header} dilindungi: petugas diberi peringatan sebelum mengubahnya.")
    return requests


def _checkbox(store: SheetsCaller, sheet: dict[str, Any], table: Table, done: list[str]) -> list[dict]:
    """A tick box on Kirim WA's Terkirim column, for staff to mark a message sent."""
    index = table.column("Terkirim")
    assert index is not None
    probe = store.call("fetch_sheet_metadata", params={
        "includeGridData": "true", "ranges": f"{quote_tab(KIRIM_WA.name)}!{column_letter(index)}2",
        "fields": "sheets(data(rowData(values(dataValidation))))"})
    rule = _first_validation(probe)
    if rule and rule.get("condition", {}).get("type") == "BOOLEAN":
        return []
    done.append("Kotak centang 'Terkirim' dipasang di tab Kirim WA.")
    return [{"setDataValidation": {
        "range": {"sheetId": sheet["properties"]["sheetId"], "startRowIndex": 1, "startColumnIndex": index,
                  "endColumnIndex": index + 1},
        "rule": {"condition": {"type": "BOOLEAN"}, "strict": True}}}]


def _first_validation(probe: dict[str, Any]) -> dict[str, Any] | None:
    for sheet in probe.get("sheets", []):
        for data in sheet.get("data", []):
            for row in data.get("rowData", []):
                for value in row.get("values", []):
                    if "dataValidation" in value:
                        return value["dataValidation"]
    return None


def _formula_of(rule: dict[str, Any]) -> str:
    values = rule.get("booleanRule", {}).get("condition", {}).get("values", [])
    return values[0].get("userEnteredValue", "") if values else ""

