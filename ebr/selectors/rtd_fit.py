"""An RTD fit from historian tags (API.md `rtd-models/fit/`): the step or pulse test's input and
response read from the historian, put on a 1 s grid and fitted by ebr.rtd_fit. Nothing is
saved: the engineer saves a fit as a new version (services.rtd_model_create)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from audit.canonical import format_ts
from ebr import rtd_fit
from ebr.errors import EbrError
from ebr.models import Line
from ebr.rtd import Array, RtdError
from ebr.selectors.lines_and_lots import line_feeders
from historian.models import Tag
from historian.selectors import ReadSpec, read
from historian.timestamps import parse_ts

LONGEST = timedelta(hours=12)
SHORTEST = timedelta(minutes=2)
GAP_S = 10.0  # seconds without a usable sample that leave the grid empty there
MAX_SAMPLES = 500_000


def _on_grid(tag: Tag, start: datetime, end: datetime) -> Array:
    """The tag's usable samples (bad ones and non-numbers left out) interpolated to every
    second of [start, end); NaN where the nearest samples are more than GAP_S apart."""
    series = read(tag, ReadSpec(start=start, end=end, mode="raw", limit=MAX_SAMPLES))
    if getattr(series, "next_start", None) is not None:
        raise EbrError(f"{tag.name} has more than {MAX_SAMPLES:,} samples in the window: "
                       "choose a shorter one.", fields={"end": "a shorter window"})  # fmt: skip
    ts, values = [], []
    for point in getattr(series, "points", []):
        value = point.value
        if point.quality == "bad" or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if math.isfinite(float(value)):
            ts.append((point.ts - start).total_seconds())
            values.append(float(value))
    grid = np.arange(0.0, (end - start).total_seconds(), 1.0)
    if len(ts) < 2:
        return np.full(len(grid), np.nan)
    t, v = np.array(ts), np.array(values)
    out = np.interp(grid, t, v, left=np.nan, right=np.nan)
    after = np.clip(np.searchsorted(t, grid, side="left"), 1, len(t) - 1)
    wide = (t[after] - t[after - 1]) > GAP_S
    exact = np.isin(grid, t)
    out[wide & ~exact] = np.nan
    return out


def rtd_fit_from_tags(line: Line, **body: Any) -> dict[str, Any]:
    """Fit `body["model"]` to the test between `input_tag` and `output_tag` over
    `[start, end)`; 400 naming the field for anything that is not such a test."""
    problems: dict[str, str] = {}
    feeder = body.get("feeder")
    if feeder not in line_feeders(line):
        problems["feeder"] = f"one of line {line}'s feeders"
    tags: dict[str, Tag] = {}
    for name in ("input_tag", "output_tag"):
        tag = Tag.objects.filter(name=body.get(name) or "").first()
        if tag is None:
            problems[name] = "no such tag"
        elif tag.value_type not in ("float", "int"):
            problems[name] = "a numeric tag"
        else:
            tags[name] = tag
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        parsed = parse_ts(body.get(name))
        if isinstance(parsed, str):
            problems[name] = parsed
        else:
            times[name] = parsed[0]
    if len(times) == 2 and not SHORTEST <= times["end"] - times["start"] <= LONGEST:
        problems["end"] = "the test's window: from 2 minutes to 12 hours after start"
    model, boundary = body.get("model"), body.get("boundary") or "closed"
    if model not in ("tanks_in_series", "axial_dispersion"):
        problems["model"] = "tanks_in_series or axial_dispersion"
    if boundary not in ("closed", "open"):
        problems["boundary"] = "closed or open"
    if problems:
        raise EbrError("The fit is not possible: see fields.", fields=problems)
    start, end = times["start"], times["end"]
    x = _on_grid(tags["input_tag"], start, end)
    y = _on_grid(tags["output_tag"], start, end)
    try:
        found = rtd_fit.fit(str(model), x, y, boundary=boundary)
    except RtdError as exc:
        field, _, why = str(exc).partition(": ")
        raise EbrError(f"The fit is not possible: {why or exc}", fields={field: why}) from exc
    fitted = found.model
    return {
        "line": line.code,
        "feeder": feeder,
        "input_tag": tags["input_tag"].name,
        "output_tag": tags["output_tag"].name,
        "start": format_ts(start),
        "end": format_ts(end),
        "model": fitted.kind,
        "n": round(fitted.n, 4) if fitted.n is not None else None,
        "peclet": round(fitted.peclet, 4) if fitted.peclet is not None else None,
        "boundary": fitted.boundary if fitted.kind == "axial_dispersion" else None,
        "tau_s": round(fitted.tau_s, 3),
        "delay_s": round(fitted.delay_s, 3),
        "described": fitted.describe(),
        "gain": found.gain,
        "baseline": found.baseline,
        "r2": round(found.r2, 6),
        "rmse": found.rmse,
        "samples": found.samples,
        "curves": found.curves,
    }
