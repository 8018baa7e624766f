"""Values as the Sheets API sends them (an UNFORMATTED read), as the text the register rules expect."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..register.model import header_key
from ..register.stamps import STAMP

# Columns holding moments: a date staff typed comes back as a serial number (days since
# 1899-12-30 in the spreadsheet's time zone) and is shown the way the service writes times.
DATE_HEADERS = frozenset(header_key(h) for h in ("Masuk", "Diperbarui", "Waktu", "Timestamp", "Cap waktu",
                                                  "Stempel waktu"))
SHEETS_EPOCH = datetime(1899, 12, 30)
# prettyPrint is a system parameter of every Google API, true unless sent: the answer indented, a cell a
# line. Without it a 50,000-row read is about half the bytes to download and to parse.
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
               "prettyPrint": "false"}


def cell_text(value: Any, header: str) -> str:
    """A value from an UNFORMATTED read as the text the register rules expect."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if header_key(header) in DATE_HEADERS:
            return (SHEETS_EPOCH + timedelta(days=float(value))).strftime(STAMP)
        if abs(value) >= 1e15:
            # A NIK stored as a number (an IEEE double, ~15 significant digits) may have lost its
            # last digits: keep the float's shape (3201014507900001.0) so the rules can tell.
            return repr(float(value))
        if float(value).is_integer():
            return str(int(value))  # a phone number typed by staff comes back as a number
        return str(value)
    return str(value)


def to_grid(values: list[list[Any]]) -> list[list[str]]:
    """Rows of an UNFORMATTED read as text, header row first: the answer's own lists, converted in place
    (a 50,000-row read then holds one copy of its rows, not three). Only a row holding a number or a
    boolean is gone through cell by cell: joining a row, in C, is how one is found."""
    if not values:
        return []
    values[0] = headers = [str(h) for h in values[0]]
    names = headers + [""] * (max(map(len, values)) - len(headers))  # cells right of the last header too
    join = "".join
    for row in values[1:]:
        try:
            join(row)  # fails only on a row with a cell that is not text
        except TypeError:
            row[:] = [v if type(v) is str else cell_text(v, names[i]) for i, v in enumerate(row)]
    return values
