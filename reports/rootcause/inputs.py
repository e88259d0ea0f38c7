"""What the ranking of a deviation reads: the line's tags as block means on a grid (the
historian's many-tag reads), its events — changes of state, step and set-point tags, lot
switches (feeds), step entries and their corrections — and the RTD models in force from each
feeder to the line's outlet. Turns them into the engine's Problem (block indices, NumPy)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from audit.canonical import format_ts
from ebr import selectors as ebr
from ebr.models import Deviation, Feed, StepEntry
from ebr.selectors.rtd_models import rtd_of
from historian import selectors as historian
from historian.models import Tag
from reports.rootcause.engine import Event, Path, Problem, Signal

FINE_S = 10  # blocks near the deviation
COARSE_S = 60  # blocks over a long look-back (from the minute rollups)
FINE_REACH = timedelta(hours=2)  # how far back the fine grid reaches
RTD_REACH = 0.9999  # an RTD path's weights run until this share has arrived


@dataclass(frozen=True)
class Span:
    """The deviation's window on the time axis and how far the analysis looks around it."""

    start: datetime  # the deviation's start
    end: datetime | None  # its end (None while it goes on)
    before: datetime  # the analysis begins
    after: datetime  # the analysis ends


def span_of(deviation: Deviation, lookback: timedelta) -> Span:
    now = timezone.now()
    end = deviation.end
    last = end or min(now, deviation.start + timedelta(hours=2))
    after = min(now, last + max(timedelta(minutes=15), (last - deviation.start) / 2))
    return Span(
        deviation.start,
        end,
        deviation.start - lookback,
        max(after, deviation.start + timedelta(seconds=1)),
    )


def line_tags(deviation: Deviation, wanted: Sequence[str] | None) -> list[Tag]:
    found = list(ebr.line_tags(deviation.line).select_related("equipment"))
    if wanted:
        found = [tag for tag in found if tag.name in set(wanted)]
    if deviation.tag is not None and all(t.pk != deviation.tag.pk for t in found):
        found.append(Tag.objects.select_related("equipment").get(pk=deviation.tag.pk))
    return found


def problem(deviation: Deviation, tags: list[Tag], span: Span, step_s: int,
            begin: datetime | None = None) -> tuple[Problem, historian.Grid]:  # fmt: skip
    """The engine's problem on a grid of `step_s` from `begin` (default the span's) to its end."""
    grid = historian.Grid.covering(begin or span.before, span.after, step_s)
    numeric = [t for t in tags if t.value_type != "string"]
    means = historian.block_means(numeric, grid)
    # Nothing to analyse before the line's first sample: the grid begins there.
    firsts = [int(np.argmax(np.isfinite(v))) for v in means.values() if np.isfinite(v).any()]
    if firsts and min(firsts) > 0:
        cut = min(firsts)
        grid = historian.Grid(grid.at(cut), step_s, grid.count - cut)
        means = {k: v[cut:] for k, v in means.items()}
    target = None
    signals = []
    for tag in numeric:
        state = tag.value_type == "bool" or tag.step
        signal = Signal(tag.name, tag.equipment.path, means[tag.pk],
                        ranked=not state and tag.pk != deviation.tag_id)  # fmt: skip
        signals.append(signal)
        if tag.pk == deviation.tag_id:
            target = Signal(tag.name, tag.equipment.path, means[tag.pk])
    feeds = list(Feed.objects.filter(line=deviation.line, start__gte=grid.start,
                                     start__lt=grid.end).select_related("lot")
                 .order_by("start", "pk"))  # fmt: skip
    events = _state_events(deviation, tags, grid, feeds) + _lot_switches(deviation, grid, feeds)
    events += _entries(deviation, grid)
    end = None if span.end is None else grid.index(span.end)
    paths = _paths(deviation, grid, target)
    return Problem(step_s, signals, events, target, grid.index(span.start), end, paths), grid


def _indicator(grid: historian.Grid, start: datetime, end: datetime | None) -> np.ndarray[Any, Any]:
    shape = np.zeros(grid.count)
    first = max(0, int(grid.index(start)))
    last = grid.count if end is None else min(grid.count, int(np.ceil(grid.index(end))))
    shape[first : max(last, first + 1)] = 1.0
    return shape


def _state_events(
    deviation: Deviation, tags: list[Tag], grid: historian.Grid, feeds: list[Feed]
) -> list[Event]:
    """Changes of the state tags (text, on/off) and step tags (set-points): each change, for an
    on/off tag each departure from its usual state, shaped as the state while it lasts."""
    states = {t.pk: t for t in tags if t.value_type in ("string", "bool") or t.step}
    if not states:
        return []
    found: dict[int, list[historian.Change]] = {}
    for change in historian.changes(list(states.values()), grid.start, grid.end):
        found.setdefault(change.tag_id, []).append(change)
    events = []
    for tag_id, changes in found.items():
        tag = states[tag_id]
        usual = Counter(c.after for c in changes).most_common(1)[0][0]
        for i, change in enumerate(changes):
            if change.before is None:
                continue
            if tag.value_type == "bool" and (change.after == usual or change.before != usual):
                continue
            if tag.value_type == "string" and _is_feed(tag, change.ts, feeds, deviation):
                continue  # the lot switch is there as a feed, with its lot
            until = changes[i + 1].ts if i + 1 < len(changes) else None
            events.append(Event(
                "equipment_event", f"{tag.name}@{format_ts(change.ts)}", grid.index(change.ts),
                _indicator(grid, change.ts, until), tag.equipment.path, tag.name,
                {"from": change.before, "to": change.after, "at": format_ts(change.ts)},
            ))  # fmt: skip
    return events


def _is_feed(tag: Tag, at: datetime, feeds: list[Feed], deviation: Deviation) -> bool:
    head = deviation.line.equipment.path + "/"
    return any(tag.equipment.path == head + feed.feeder
               and abs((feed.start - at).total_seconds()) <= 60 for feed in feeds)  # fmt: skip


def _lot_switches(deviation: Deviation, grid: historian.Grid, feeds: list[Feed]) -> list[Event]:
    head = deviation.line.equipment.path + "/"
    return [
        Event("lot_switch", f"feed:{feed.pk}", grid.index(feed.start),
              _indicator(grid, feed.start, feed.end), head + feed.feeder, None,
              {"feeder": feed.feeder, "lot": feed.lot.lot, "material": feed.lot.material,
               "at": format_ts(feed.start)})
        for feed in feeds
    ]  # fmt: skip


def _entries(deviation: Deviation, grid: historian.Grid) -> list[Event]:
    """Step entries recorded on the line's batches, corrections among them."""
    found = (StepEntry.objects.filter(batch__line=deviation.line, created_at__gte=grid.start,
                                      created_at__lt=grid.end)
             .select_related("batch").order_by("created_at", "pk"))  # fmt: skip
    return [
        Event("step_entry", f"entry:{entry.pk}", grid.index(entry.created_at),
              _indicator(grid, entry.created_at, None), None, None,
              {"batch_number": entry.batch.batch_number, "step": entry.step_code,
               "values": entry.values, "corrects": entry.corrects_id, "reason": entry.reason,
               "at": format_ts(entry.created_at)})
        for entry in found
    ]  # fmt: skip


def _paths(deviation: Deviation, grid: historian.Grid, target: Signal | None) -> dict[str, Path]:
    """From each feeder with an RTD model in force at the deviation's start (the line's
    children that have one) to the target — where the target lies downstream of them, not on
    a feeder itself."""
    line = deviation.line
    head = line.equipment.path + "/"
    versions = {f: v for f in ebr.line_feeders(line)
                if (v := ebr.rtd_model_at(line, f, deviation.start)) is not None}  # fmt: skip
    if target is None or any(target.unit == head + f or target.unit.startswith(head + f + "/")
                             for f in versions):  # fmt: skip
        return {}
    paths = {}
    for feeder, version in versions.items():
        model = rtd_of(version)
        edges = np.arange(0.0, model.quantile(RTD_REACH) + grid.step_s, grid.step_s)
        weights = np.diff(model.cdf(edges))
        total = float(weights.sum())
        if total > 0:
            paths[head + feeder] = Path(
                head + feeder,
                weights / total,
                float(model.delay_s + model.tau_s),
                f"{model.describe()} (version {version.version})",
            )
    return paths
