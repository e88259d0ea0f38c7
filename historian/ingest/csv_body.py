"""The `text/csv` ingest body, read into the same items as JSON."""

from __future__ import annotations

from typing import Any

from historian.errors import IngestUnprocessable
from historian.models import Tag


def csv_items(text: str) -> list[dict[str, Any]]:
    """The items of a `text/csv` ingest body (header `tag,ts,value,quality`, quality optional).

    Values are typed by their tag: numbers, `nan`/`inf`, `true`/`false`/`1`/`0`, text;
    an empty value is null. What does not convert stays text and is refused by the
    tag's type check, with its row index (data rows count from 0)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    if (
        header[:3] != ["tag", "ts", "value"]
        or len(header) > 4
        or (len(header) == 4 and header[3] != "quality")
    ):
        raise IngestUnprocessable(
            "the CSV header is tag,ts,value[,quality]", fields={"header": ",".join(header)}
        )
    rows = rows[1:]
    names = {row[0] for row in rows if row}
    types = dict(Tag.objects.filter(name__in=names).values_list("name", "value_type"))
    items: list[dict[str, Any]] = []
    width = len(header)
    for row in rows:
        if not row:
            continue
        cells = row if len(row) >= width else row + [""] * (width - len(row))
        value_type, text = types.get(cells[0]), cells[2]
        if value_type == "float" and text:  # the common row, without a call
            try:
                value: Any = float(text)
            except ValueError:
                value = text
        else:
            value = _csv_value(value_type, text)
        item: dict[str, Any] = {"tag": cells[0], "ts": cells[1], "value": value}
        if width == 4 and cells[3]:
            item["quality"] = cells[3]
        items.append(item)
    return items


def _csv_value(value_type: str | None, text: str) -> Any:
    if text == "":
        return None
    try:
        if value_type == "float":
            return float(text)
        if value_type == "int":
            number = float(text)
            return int(number) if number.is_integer() else number
        if value_type == "bool":
            lowered = text.strip().lower()
            if lowered in {"true", "1"}:
                return True
            if lowered in {"false", "0"}:
                return False
    except ValueError:
        return text
    return text
