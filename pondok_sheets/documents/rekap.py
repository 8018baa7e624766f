"""`rekap`: the monthly report a desa sends to the kecamatan, as .xlsx (two sheets) or .csv.

The rows sheet carries the register's rows of the month (personal data, for the office's
own archive); the summary carries only counts and durations, never a NIK or a number.
"""
from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..register.calendar import working_days_between
from ..register.catalog import service_name
from ..register.model import PERMOHONAN, Channel, Service, Status
from ..register.stamps import parse_day
from ..register.stats import DONE
from ..register.table import Table
from ..register.validation import neutralize, unneutralize

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
SUMMARY_HEADERS = ("Layanan", "Jumlah", *(c.value for c in Channel), "Selesai", "Selesai tepat waktu",
                   "Median hari kerja", "Janji (hari kerja)")


@dataclass
class Rekap:
    """One month of the register."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    summary: list[list[object]]
    skm: list[list[object]] = field(default_factory=list)  # the survey's tables (documents/skm_sheet.py)


def build_rekap(table: Table, services: Sequence[Service], done_at: Mapping[str, str], village: str,
                year: int, month: int) -> Rekap:
    """Summarise the Permohonan rows received in that month (`done_at`: ticket -> first seen ready)."""
    table.require(PERMOHONAN)
    headers = [h for h in table.headers if h]
    records = [values for _, values in table.records(headers)
               if (day := parse_day(values.get("Masuk", ""))) and (day.year, day.month) == (year, month)]
    promised = {s.name: s.days for s in services}
    per_service: dict[str, dict] = {}
    for values in records:
        # Staff may type the code at the counter.
        name = service_name(services, values["Layanan"]) or "(tanpa layanan)"
        entry = per_service.setdefault(name, {"total": 0, "channels": Counter(), "days": []})
        entry["total"] += 1
        entry["channels"][values["Saluran"]] += 1
        if (Status.parse(values["Status"]) or Status.BARU).value in DONE:
            received = parse_day(values["Masuk"])
            finished = parse_day(done_at.get(values["Tiket"], "")) or parse_day(values["Diperbarui"])
            if received and finished and finished >= received:
                entry["days"].append(working_days_between(received, finished))
    order = [s.name for s in services] + sorted(set(per_service) - set(promised))
    summary: list[list[object]] = []
    for name in order:
        entry = per_service.get(name)
        if entry is None:
            continue
        days = entry["days"]
        limit = promised.get(name)
        summary.append([name, entry["total"], *(entry["channels"].get(c.value, 0) for c in Channel), len(days),
                        sum(d <= limit for d in days) if limit is not None else "",
                        statistics.median(days) if days else "", limit if limit is not None else ""])
    totals = [sum(row[i] for row in summary if isinstance(row[i], int)) for i in range(1, 2 + len(Channel) + 2)]
    summary.append(["Jumlah", *totals, "", ""])
    rows = [[unneutralize(values.get(h, "")) for h in headers] for values in records]
    title = f"Rekap layanan Kantor Desa {village}, {MONTHS[month - 1]} {year}"
    return Rekap(title, headers, rows, summary)


def _text_cells(sheet, row: list[object]) -> list:
    """A row of cells where every text is a text cell: openpyxl would make '=…' a live formula."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in row:
        cell = Cell(sheet, value=None)
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # text, whatever it starts with: never a formula for Excel
            cell.number_format = "@"
        else:
            cell.value = value
        cells.append(cell)
    return cells


def _csv_row(row: list[object]) -> list[object]:
    """A row for csv: text that Excel or Sheets would run as a formula gets its apostrophe."""
    return [neutralize(v) if isinstance(v, str) else v for v in row]


def write_rekap(rekap: Rekap, out: Path) -> list[Path]:
    """Write the report; .xlsx holds both sheets, .csv writes the summary and a `-permohonan.csv` beside it.

    Residents' values (and service names staff or a form typed) stay text: a text cell in xlsx,
    an apostrophe before a formula-like start in csv.
    """
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        summary = book.active
        summary.title = "Ringkasan"
        summary.append(_text_cells(summary, [rekap.title]))
        summary["A1"].font = Font(bold=True, size=13)
        summary.append(_text_cells(summary, list(SUMMARY_HEADERS)))
        for cell in summary[2]:
            cell.font = Font(bold=True)
        for row in rekap.summary:
            summary.append(_text_cells(summary, row))
        summary.column_dimensions["A"].width = 42
        rows = book.create_sheet("Permohonan")
        rows.append(_text_cells(rows, list(rekap.headers)))
        for cell in rows[1]:
            cell.font = Font(bold=True)
        for row in rekap.rows:
            rows.append(_text_cells(rows, [str(v) for v in row]))  # as text: a NIK must not become 3.2E+15
        rows.freeze_panes = "A2"
        if rekap.skm:
            survey = book.create_sheet("SKM")
            for row in rekap.skm:
                survey.append(_text_cells(survey, row))  # service names come from the Survei tab
            survey.column_dimensions["B"].width = 40
        book.save(out)
        return [out]
    if out.suffix.lower() == ".csv":
        detail = out.with_name(out.stem + "-permohonan.csv")
        with open(out, "w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel opens it right
            writer = csv.writer(handle)
            writer.writerow(_csv_row([rekap.title]))
            writer.writerow(SUMMARY_HEADERS)
            writer.writerows(_csv_row(row) for row in rekap.summary)
        with open(detail, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(_csv_row(list(rekap.headers)))
            writer.writerows(_csv_row(row) for row in rekap.rows)
        return [out, detail]
    raise ValueError("Nama file rekap harus berakhiran .xlsx atau .csv")


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); ValueError with a message in Bahasa Indonesia otherwise."""
    try:
        day = date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise ValueError(f"--bulan harus tahun-bulan, misalnya 2026-11 (sekarang: {text!r})") from None
    return day.year, day.month
