"""LIMS result files: CSV (any common delimiter, UTF-8 with or without BOM) and Excel (.xlsx),
read through a saved column mapping into push items. A row's index is its line in the file
(the header is line 1), so every problem names the row and the field."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from lims_bridge.errors import LimsError
from lims_bridge.models import ColumnMapping

FIELDS = {
    "lims_id", "revision", "sample_id", "sampling_point", "batch_number", "sampled_at", "test",
    "result", "unit", "spec_low", "spec_high", "warn_low", "warn_high", "status", "analyst",
    "verified_by", "method", "instrument", "retest_of", "captured_at", "sample_status",
}  # fmt: skip
REQUIRED = {"lims_id", "revision", "sample_id", "batch_number", "test", "result", "status"}
TIMES = ("sampled_at", "captured_at")
XLSX_MAGIC = b"PK\x03\x04"


def check_mapping(columns: Any, timestamp_format: Any) -> dict[str, str]:
    """Why a mapping is not usable, by field (empty when it is)."""
    problems: dict[str, str] = {}
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        return {"columns": 'an object {"<file column>": "<result field>"}'}
    unknown = sorted(set(columns.values()) - FIELDS)
    if unknown:
        problems["columns"] = f"not result fields: {', '.join(unknown)}"
    missing = sorted(REQUIRED - set(columns.values()))
    if missing:
        problems["columns"] = f"the file must give {', '.join(missing)}"
    twice = sorted({v for v in columns.values() if list(columns.values()).count(v) > 1})
    if twice:
        problems["columns"] = f"more than one column for {', '.join(twice)}"
    if timestamp_format:
        try:
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).strftime(str(timestamp_format))
        except ValueError:
            problems["timestamp_format"] = "a strptime format such as %d.%m.%Y %H:%M"
    return problems


def read_rows(content: bytes, filename: str, sheet: str = "") -> list[list[str]]:
    """The file's rows as text cells (the header first)."""
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(content, sheet)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LimsError("The file is neither UTF-8 text (CSV) nor an Excel .xlsx file.",
                        fields={"file": "CSV in UTF-8, or .xlsx"}) from exc  # fmt: skip
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]


def _xlsx_rows(content: bytes, sheet: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LimsError(f"The Excel file cannot be read: {exc}",
                        fields={"file": "a readable .xlsx file"}) from exc  # fmt: skip
    if sheet and sheet not in book.sheetnames:
        raise LimsError(f"The file has no sheet {sheet} (it has {', '.join(book.sheetnames)}).",
                        fields={"sheet": "a sheet of the file"})  # fmt: skip
    rows = book[sheet] if sheet else book.worksheets[0]
    found = [["" if cell is None else _cell(cell) for cell in row]
             for row in rows.iter_rows(values_only=True)]  # fmt: skip
    book.close()
    return [row for row in found if any(c.strip() for c in row)]


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def items_from(rows: list[list[str]], mapping: ColumnMapping) -> list[dict[str, Any]]:
    """Push items from the rows, by the mapping (columns it does not name are left out)."""
    if not rows:
        raise LimsError("The file holds no rows.", fields={"file": "a header and rows"})
    header = [h.strip() for h in rows[0]]
    where = {name: header.index(column) for column, name in mapping.columns.items()
             if column in header}  # fmt: skip
    missing = [column for column, name in mapping.columns.items()
               if column not in header and name in REQUIRED]  # fmt: skip
    if missing:
        raise LimsError(f"The file's header lacks {', '.join(missing)} (mapping {mapping.name}).",
                        fields={"file": f"columns {', '.join(missing)}"})  # fmt: skip
    items = []
    for row in rows[1:]:
        item: dict[str, Any] = {}
        for name, i in where.items():
            value = row[i].strip() if i < len(row) else ""
            if name in TIMES and value:
                value = _time(value, mapping.timestamp_format)
            item[name] = value
        items.append(item)
    return items


def _time(value: str, fmt: str) -> str:
    """A time cell by the mapping's format (ISO 8601 without one), in the site's zone unless
    it has an offset; left as given when it does not parse (the push's check names it)."""
    try:
        parsed = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)  # noqa: DTZ007 (made aware below)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed.isoformat()
