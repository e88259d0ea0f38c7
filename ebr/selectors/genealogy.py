"""Genealogy reads (API.md "Lines, lots, RTD and genealogy"): feeds with the window each lot was
in its feeder, each feeder's charges and RTD versions, backward trace of an output window,
forward trace of a lot (diversion windows: ebr.selectors.diversion). The math is
ebr.genealogy's; here the records are read and every answer names the RTD versions it used."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Q, QuerySet

from audit.canonical import format_ts
from core.errors import Conflict
from ebr import genealogy
from ebr.models import Batch, BatchStatus, Feed, Line, MaterialLot
from ebr.rtd import Array, Charge, RtdModel
from ebr.selectors.rtd_models import rtd_of
from ebr.units import MASS_FLOW_KG_PER_H
from historian.selectors import ReadSpec, read

FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
MAX_WEIGHT_INTERVALS = 2000  # outlet flow read in at most this many intervals (≥ 1 min each)


class NoRtdModel(Conflict):
    """409: a feeder has feeds but no RTD model in force for part of the time asked about."""


def from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def feeds(line: Line, feeder: str = "", lot: MaterialLot | None = None) -> QuerySet[Feed]:
    found = Feed.objects.filter(line=line).select_related("lot", "recorded_by", "line")
    if feeder:
        found = found.filter(feeder=feeder)
    if lot is not None:
        found = found.filter(lot=lot)
    return found.order_by("-pk")  # newest first, as the cursor pages it


def feed_until(feed: Feed) -> datetime | None:
    """Until when the feed's lot was in the feeder: its end, at the latest the next feed's
    start (None: still in)."""
    following = (
        Feed.objects.filter(line_id=feed.line_id, feeder=feed.feeder, start__gt=feed.start)
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    ends = [t for t in (feed.end, following) if t is not None]
    return min(ends) if ends else None


def feed_json(feed: Feed, until: datetime | None = None) -> dict[str, Any]:
    return {
        "id": feed.pk,
        "line": feed.line.code,
        "feeder": feed.feeder,
        "material": feed.lot.material,
        "lot": feed.lot.lot,
        "start": format_ts(feed.start),
        "end": format_ts(feed.end) if feed.end else None,
        "until": format_ts(until) if until else None,
        "recorded_by": feed.recorded_by.username,
        "created_at": format_ts(feed.created_at),
    }


# --- charges and models --------------------------------------------------------------------


@dataclass(frozen=True)
class Charged:
    """A feed as the math sees it: the lot's key (`material/lot`), its window in seconds."""

    material: str
    lot: str
    charge: Charge


_CHARGES = """
SELECT f.feeder, l.material, l.lot, extract(epoch FROM f.start)::float8,
       extract(epoch FROM least(f."end", lead(f.start) OVER w))::float8
FROM ebr_feed f JOIN ebr_material_lot l ON l.id = f.lot_id
WHERE f.line_id = %s AND f.start < %s
WINDOW w AS (PARTITION BY f.feeder ORDER BY f.start)
ORDER BY f.feeder, f.start
"""


def line_charges(line: Line, before: datetime) -> dict[str, list[Charged]]:
    """Each feeder's feeds that began before `before`, in time order, with the moment each
    lot left the feeder (its end, or the next feed's start; None while still in)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHARGES, [line.pk, before])
        rows = cursor.fetchall()
    found: dict[str, list[Charged]] = defaultdict(list)
    for feeder, material, lot, start, until in rows:
        found[feeder].append(Charged(material, lot, Charge(f"{material}/{lot}", start, until)))
    return found


def relevant(charged: list[Charged], since: float) -> list[Charged]:
    """The charges that can still show at the outlet after `since` (ended later), and the one
    before the first of them (so what came before is known, not UNKNOWN)."""
    keep = [i for i, c in enumerate(charged) if c.charge.end is None or c.charge.end > since]
    if not keep:
        return charged[-1:]
    return charged[max(keep[0] - 1, 0) :]


@dataclass(frozen=True)
class Versions:
    """A feeder's RTD versions as the times they are in force: `(from, version row, model)`,
    the later version winning where two are effective from the same moment."""

    feeder: str
    spans: list[tuple[float, Any, RtdModel]]

    def pieces(self, start: float, end: float) -> list[genealogy.Piece]:
        found = []
        for i, (since, _, model) in enumerate(self.spans):
            until = self.spans[i + 1][0] if i + 1 < len(self.spans) else math.inf
            lo, hi = max(since, start), min(until, end)
            if hi > lo:
                found.append(genealogy.Piece(model, lo, hi))
        return found

    def used(self, start: float, end: float) -> list[Any]:
        return [
            row
            for i, (since, row, _) in enumerate(self.spans)
            if since < end and (i + 1 == len(self.spans) or self.spans[i + 1][0] > start)
        ]

    def covers(self, start: float) -> bool:
        return bool(self.spans) and self.spans[0][0] <= start

    def reach(self) -> float:
        """The longest time any version takes to settle (the look-back a trace needs)."""
        return max((genealogy.settle_time(m) for _, _, m in self.spans), default=0.0)


def line_versions(line: Line) -> dict[str, Versions]:
    by_feeder: dict[str, dict[float, Any]] = defaultdict(dict)
    for row in line.rtd_models.order_by("feeder", "effective_from", "version"):
        by_feeder[row.feeder][row.effective_from.timestamp()] = row  # the later version wins
    return {
        feeder: Versions(feeder, [(t, row, rtd_of(row)) for t, row in sorted(rows.items())])
        for feeder, rows in by_feeder.items()
    }


def _no_model(line: Line, feeder: str, at: float) -> NoRtdModel:
    return NoRtdModel(
        f"{line}/{feeder} has feeds but no RTD model in force at {format_ts(from_epoch(at))}: add "
        f"one effective from then (POST /api/v1/ebr/lines/{line}/rtd-models/)."
    )


def version_json(row: Any) -> dict[str, Any]:
    return {
        "feeder": row.feeder,
        "version": row.version,
        "effective_from": format_ts(row.effective_from),
        "described": rtd_of(row).describe(),
    }


# --- backward ------------------------------------------------------------------------------


def outlet_flow(line: Line, start: datetime, end: datetime) -> tuple[Array, Array] | None:
    """The outlet's mean mass flow per interval (whole minutes or more, at most
    MAX_WEIGHT_INTERVALS): (edges in seconds, flows). An interval without usable data takes
    the mean of those with data; None without an outlet tag or any of its data."""
    tag = line.outlet_tag
    if tag is None:
        return None
    span = (end - start).total_seconds()
    # Whole minutes, or whole hours past 2 days: the rollups answer them.
    unit = 3600 if span > 2 * 86400 else 60
    step = unit * max(1, math.ceil(span / MAX_WEIGHT_INTERVALS / unit))
    series = read(tag, ReadSpec(start=start, end=end, mode="aggregate",
                                interval=timedelta(seconds=step), aggregates=("avg",)))  # fmt: skip
    s, e = start.timestamp(), end.timestamp()
    first = math.floor(s / step) * step
    inner = np.arange(first + step, e, step, dtype=float)
    edges = np.concatenate([[s], inner[inner > s], [e]])
    flow = np.full(len(edges) - 1, np.nan)
    per_hour = MASS_FLOW_KG_PER_H.get(tag.unit, 1.0)
    for bucket in getattr(series, "buckets", []):
        mean = bucket.aggregates.get("avg")
        if mean is None or not math.isfinite(float(mean)):
            continue
        index = int((bucket.ts.timestamp() - first) // step)
        if 0 <= index < len(flow):
            flow[index] = max(float(mean), 0.0) * per_hour
    known = np.isfinite(flow)
    if not known.any():
        return None
    flow[~known] = flow[known].mean()
    return edges, flow


def backward(line: Line, start: datetime, end: datetime) -> dict[str, Any]:
    """The lots in the material that left the line in `[start, end)`, per feeder (fractions
    of the feeder's material, summing to 1), weighted by the outlet's mass flow where the line
    has one. A feeder with a model but no feeds shows its material as unknown (lot null)."""
    versions = line_versions(line)
    charges = line_charges(line, end)
    s, e = start.timestamp(), end.timestamp()
    weights = outlet_flow(line, start, end)
    edges, flow = weights if weights else (None, None)
    inputs: list[dict[str, Any]] = []
    used: list[dict[str, Any]] = []
    for feeder in sorted(set(versions) | set(charges)):
        model = versions.get(feeder)
        if model is None or not model.covers(s):
            raise _no_model(line, feeder, s)
        charged = relevant(charges.get(feeder, []), s - model.reach())
        names = {c.charge.lot: (c.material, c.lot) for c in charged}
        fractions = genealogy.backward(model.pieces(s, e), [c.charge for c in charged],
                                       edges, flow)  # fmt: skip
        for key, fraction in sorted(fractions.items(), key=lambda kv: -kv[1]):
            material, lot = names.get(key, (None, None))
            inputs.append({"feeder": feeder, "material": material, "lot": lot,
                           "fraction": round(fraction, 9)})  # fmt: skip
        used += [version_json(row) for row in model.used(s, e)]
    return {
        "line": line.code,
        "start": format_ts(start),
        "end": format_ts(end),
        "weighted_by": line.outlet_tag.name if weights and line.outlet_tag else None,
        "inputs": inputs,
        "rtd_models": used,
    }


# --- forward -------------------------------------------------------------------------------

_LOT_CHARGES = """
SELECT line_id, feeder, start, until FROM (
    SELECT f.line_id, f.feeder, f.lot_id, extract(epoch FROM f.start)::float8 AS start,
           extract(epoch FROM least(f."end", lead(f.start) OVER w))::float8 AS until
    FROM ebr_feed f
    WHERE (f.line_id, f.feeder) IN (SELECT line_id, feeder FROM ebr_feed WHERE lot_id = %s)
    WINDOW w AS (PARTITION BY f.line_id, f.feeder ORDER BY f.start)
) charged WHERE lot_id = %s ORDER BY line_id, feeder, start
"""


def forward(lot: MaterialLot, threshold: float) -> dict[str, Any]:
    """Where the lot went: the output windows in which its fraction at the outlet exceeds
    `threshold`, cut by the batches they overlap (batch null where no batch ran), each with
    the lot's largest fraction there."""
    with connection.cursor() as cursor:
        cursor.execute(_LOT_CHARGES, [lot.pk, lot.pk])
        rows = cursor.fetchall()
    groups: dict[tuple[int, str], list[Charge]] = defaultdict(list)
    for line_id, feeder, start, until in rows:
        groups[(line_id, feeder)].append(Charge(str(lot), start, until))
    lines = {line.pk: line for line in Line.objects.filter(pk__in={k[0] for k in groups})}
    outputs: list[dict[str, Any]] = []
    used: list[dict[str, Any]] = []
    for (line_id, feeder), charges in groups.items():
        line = lines[line_id]
        model = line_versions(line).get(feeder)
        first = charges[0].start
        if model is None or not model.covers(first):
            raise _no_model(line, feeder, first)
        pieces = model.pieces(first, math.inf)
        found = genealogy.forward(pieces, charges, threshold)
        for presence in found:
            outputs += _by_batch(line, feeder, pieces, charges, presence)
        if found:
            used += [version_json(row) for row in model.used(first, found[-1].end)]
    outputs.sort(key=lambda o: (o["start"], o["line"], o["feeder"]))
    return {"material": lot.material, "lot": lot.lot, "threshold": threshold,
            "outputs": outputs, "rtd_models": used}  # fmt: skip


def _by_batch(
    line: Line,
    feeder: str,
    pieces: list[genealogy.Piece],
    charges: list[Charge],
    presence: genealogy.Presence,
) -> list[dict[str, Any]]:
    lo, hi = (
        from_epoch(presence.start),
        (from_epoch(presence.end) if math.isfinite(presence.end) else FOREVER),
    )
    batches = (
        Batch.objects.filter(line=line, start__lt=hi)
        .filter(Q(end__isnull=True) | Q(end__gt=lo))
        .exclude(status=BatchStatus.CANCELLED)
        .order_by("start")
        .values_list("batch_number", "start", "end")
    )
    cuts: list[tuple[str | None, float, float]] = []
    cursor = presence.start
    for number, b_start, b_end in batches:
        a = max(presence.start, b_start.timestamp())
        b = min(presence.end, b_end.timestamp() if b_end else math.inf)
        if a > cursor:
            cuts.append((None, cursor, a))
        cuts.append((number, a, b))
        cursor = b
    if cursor < presence.end:
        cuts.append((None, cursor, presence.end))
    return [
        {
            "batch_number": number,
            "line": line.code,
            "feeder": feeder,
            "start": format_ts(from_epoch(a)),
            "end": format_ts(from_epoch(b)) if math.isfinite(b) else None,
            "max_fraction": round(_max_fraction(pieces, charges, a, b), 9),
        }
        for number, a, b in cuts
        if b > a
    ]


def _max_fraction(
    pieces: list[genealogy.Piece], charges: list[Charge], start: float, end: float
) -> float:
    t = genealogy.sample_times(pieces, charges)
    inside = t[(t > start) & (t < end)]
    ends = [start] + ([end] if math.isfinite(end) else [])
    points = np.concatenate([inside, np.array(ends, dtype=float)])
    return float(genealogy.lot_fraction(pieces, charges, points).max())
