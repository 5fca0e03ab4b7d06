"""Writing tabular sheets the way reviewers expect them in Excel.

Every sheet written here has one bold header row that stays frozen, an auto-filter
over its columns, columns sized to their content, and dates stored as real Excel dates
(``yyyy-mm-dd``), datetimes as ``yyyy-mm-dd hh:mm``. Workbooks are written in
openpyxl's write-only mode, so thousands of patients fit in little memory.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rego_desktop.files import check_output_file, write_bytes_atomically

DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
HEADER_FILL: Final = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT: Final = Font(bold=True)
WRAP: Final = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH: Final = 60
MIN_WIDTH: Final = 6
SAMPLE_ROWS: Final = 2000  # rows looked at to size a column


@dataclass
class Sheet:
    """One sheet: a header row and data rows of plain values (str, numbers, dates)."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    wrap: bool = False  # wrap long text (dictionary, read-me)
    freeze: str = "A2"
    filters: bool = True
    widths: dict[int, float] = field(default_factory=dict)  # fixed widths by column index


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.6g}")
    text = str(value)
    longest = max((len(line) for line in text.split("\n")), default=0)
    # Chinese characters are about twice as wide as Latin ones.
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return longest + wide


def column_widths(sheet: Sheet) -> list[float]:
    widths = []
    for index, title in enumerate(sheet.header):
        if index in sheet.widths:
            widths.append(sheet.widths[index])
            continue
        longest = _shown_length(title) + 3  # room for the filter button
        for row in sheet.rows[:SAMPLE_ROWS]:
            if index < len(row):
                longest = max(longest, _shown_length(row[index]))
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))))
    return widths


def _cell(ws: Any, value: Any, wrap: bool) -> Any:
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if wrap and isinstance(value, str) and ("\n" in value or len(value) > MAX_WIDTH):
        cell = WriteOnlyCell(ws, value)
        cell.alignment = WRAP
        return cell
    return value


def write_sheet(wb: Any, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet.name)
    widths = column_widths(sheet)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if sheet.freeze:
        ws.freeze_panes = sheet.freeze
    if sheet.filters and sheet.header:
        last = get_column_letter(len(sheet.header))
        ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    header = []
    for title in sheet.header:
        cell = WriteOnlyCell(ws, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    for row in sheet.rows:
        ws.append([_cell(ws, value, sheet.wrap) for value in row])


def write_workbook(path: Path, sheets: Iterable[Sheet]) -> Path:
    """Write ``sheets`` in order to ``path`` (replaced if it exists)."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(wb, sheet)
    check_output_file(path, "the workbook", "工作簿")
    buffer = io.BytesIO()  # in memory first: a full disk cannot break the writer
    wb.save(buffer)
    write_bytes_atomically(path, buffer.getvalue(), what="the workbook", what_zh="工作簿")
    return path


def read_rows(path: Path, sheet_name: str) -> list[tuple[Any, ...]]:
    """Every row of one sheet as values (tests and tools)."""
    from openpyxl import load_workbook

    wb = load_workbook(str(path), read_only=True, data_only=True)
    try:
        return [tuple(r) for r in wb[sheet_name].iter_rows(values_only=True)]
    finally:
        wb.close()


def as_table(rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows below a header row as dictionaries keyed by the header."""
    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]
