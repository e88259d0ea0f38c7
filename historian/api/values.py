"""The values and current-value endpoints' two ends (API.md, "Reads"): a query string into a
ReadSpec, and a typed series into the JSON body. Everything between is historian.selectors."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audit.canonical import format_ts
from historian.errors import HistorianError
from historian.models import Tag
from historian.selectors import (
    AggregateSeries,
    InterpolatedSeries,
    PlotSeries,
    Point,
    RawSeries,
    ReadSpec,
    Series,
)
from historian.selectors.spec import (
    LIMITS,
    check_aggregates,
    check_interval,
    check_limit,
    check_mode,
    check_window,
)
from historian.timestamps import parse_ts

_INTERVAL = re.compile(r"^([1-9]\d{0,6})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _bool(value: str, name: str) -> bool:
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no", ""}:
        return False
    raise HistorianError(f"{name} is true or false", fields={name: "not a boolean"})


def _window(query: Mapping[str, str]) -> tuple[datetime, datetime]:
    fields: dict[str, str] = {}
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        value = query.get(name)
        if not value:
            fields[name] = "required"
            continue
        parsed = parse_ts(value)
        if isinstance(parsed, str):
            fields[name] = parsed
        else:
            times[name] = parsed[0]
    if fields:
        raise HistorianError(
            "start and end are required ISO 8601 timestamps with an offset", fields=fields
        )
    check_window(times["start"], times["end"])
    return times["start"], times["end"]


def interval(text: str) -> timedelta:
    """An interval as the reads take it (`60s`, `5m`, `4h`, `1d`); 400 naming `interval` else."""
    match = _INTERVAL.match(text)
    if not match:
        raise HistorianError(
            "interval is an integer with s, m, h or d (60s, 5m, 1d)",
            fields={"interval": "invalid"},
        )
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HistorianError(
            "tz is an IANA time zone name, e.g. Europe/Zurich", fields={"tz": "unknown"}
        ) from exc


def parse_params(query: Mapping[str, str]) -> ReadSpec:
    """A ReadSpec from the query string; a bad parameter is a 400 naming it (checked in the
    order API.md lists the parameters)."""
    start, end = _window(query)
    fields: dict[str, Any] = {"start": start, "end": end, "mode": query.get("mode", "raw")}
    check_mode(fields["mode"])
    fields["interval"] = interval(query["interval"]) if query.get("interval") else None
    check_interval(fields["mode"], fields["interval"])
    if query.get("tz"):
        fields["tz"] = _zone(query["tz"])
    for name in LIMITS:
        if query.get(name):
            try:
                fields[name] = int(query[name])
            except ValueError as exc:
                raise HistorianError(f"{name} is an integer", fields={name: "invalid"}) from exc
            check_limit(name, fields[name])
    if query.get("aggregates"):
        fields["aggregates"] = tuple(a.strip() for a in query["aggregates"].split(",") if a.strip())
        check_aggregates(fields["aggregates"])
    fields["include_bad"] = _bool(query.get("include_bad", ""), "include_bad")
    fill = query.get("fill", "")
    if fill not in ("", "null"):
        raise HistorianError("fill is null or absent", fields={"fill": "invalid"})
    fields["fill_null"] = fill == "null"
    corrections = query.get("corrections", "")
    if corrections not in ("", "apply"):
        raise HistorianError("corrections is apply or absent", fields={"corrections": "invalid"})
    fields["apply_corrections"] = corrections == "apply"
    return ReadSpec(**fields)


def point_json(point: Point) -> dict[str, Any]:
    value = point.value
    if isinstance(value, float) and not math.isfinite(value):
        value = repr(value)  # JSON has no NaN: the canonical text
    out: dict[str, Any] = {"ts": format_ts(point.ts), "value": value, "quality": point.quality}
    if point.corrected:
        out["corrected"] = True
    if point.has_correction:
        out["has_correction"] = True
    return out


def _series_json(series: Series) -> dict[str, Any]:
    if isinstance(series, RawSeries):
        body: dict[str, Any] = {"values": [point_json(p) for p in series.points]}
        if series.next_start is not None:
            body["truncated"] = True
            body["next_start"] = format_ts(series.next_start)
        return body
    if isinstance(series, InterpolatedSeries):
        return {"values": [point_json(p) for p in series.points]}
    if isinstance(series, AggregateSeries):
        values = [
            {
                "ts": format_ts(b.ts),
                **b.aggregates,
                "bad_count": b.bad_count,
                "uncertain_count": b.uncertain_count,
            }
            for b in series.buckets
        ]
        return {"values": values, "source": series.source}
    assert isinstance(series, PlotSeries)
    return {
        "values": [
            {
                "ts": format_ts(i.ts),
                "first": i.first,
                "first_ts": _ts_or_none(i.first_ts),
                "last": i.last,
                "last_ts": _ts_or_none(i.last_ts),
                "min": i.min,
                "min_ts": _ts_or_none(i.min_ts),
                "max": i.max,
                "max_ts": _ts_or_none(i.max_ts),
                "count": i.count,
                "bad_count": i.bad_count,
                "uncertain_count": i.uncertain_count,
            }
            for i in series.intervals
        ],
        "source": series.source,
        "interval_seconds": series.interval.total_seconds(),
        "interval_origin": format_ts(series.origin),
    }


def _ts_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_ts(value)


def values_json(tag: Tag, spec: ReadSpec, series: Series) -> dict[str, Any]:
    """The body of GET /api/v1/tags/{name}/values."""
    return {"tag": tag.name, "unit": tag.unit, "mode": spec.mode, **_series_json(series)}
