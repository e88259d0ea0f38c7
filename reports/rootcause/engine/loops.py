"""Feedback loops: a set-point `X_SP` beside `X` on one unit, and the unit's signal whose moves
follow a PI law of X's error (its controller output); what of an output's move the law leaves
unexplained (its own moves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reports.rootcause import stats
from reports.rootcause.engine.model import Signal, rounded
from reports.rootcause.stats import Array


@dataclass(frozen=True)
class Loop:
    pv: str
    sp: str
    output: str
    law: stats.Law
    error: Array


def loops(signals: list[Signal], baseline: int) -> dict[str, Loop]:
    """The loops among the signals, by every member's name: a set-point `X_SP` beside `X` on
    one unit, and the unit's signal whose moves best follow a PI law of X's error."""
    by_name = {s.name: s for s in signals}
    found: dict[str, Loop] = {}
    for sp in signals:
        if not sp.name.endswith("_SP") or sp.name[:-3] not in by_name:
            continue
        pv = by_name[sp.name[:-3]]
        sp_values, pv_values = stats.filled(sp.values), stats.filled(pv.values)
        if sp_values is None or pv_values is None or pv.unit != sp.unit:
            continue
        error = sp_values - pv_values
        best: tuple[stats.Law, Signal] | None = None
        for other in signals:
            if other.unit != pv.unit or other.name in (sp.name, pv.name) or not other.ranked:
                continue
            values = stats.filled(other.values)
            law = (
                None
                if values is None
                else stats.controller_law(values[:baseline], error[:baseline])
            )
            if law is not None and (best is None or law.r2 > best[0].r2):
                best = (law, other)
        if best is not None:
            loop = Loop(pv.name, sp.name, best[1].name, best[0], error)
            found.update({pv.name: loop, sp.name: loop, best[1].name: loop})
    return found


def own_moves(output: Array, loop: Loop) -> Array:
    """The output's moves the controller's law does not explain, accumulated: flat while the
    controller only answers its error (held where the output sits at the end of its range
    and the law would push it further)."""
    actual = np.diff(output, prepend=output[0])
    predicted = loop.law.moves(loop.error)
    top, bottom = float(output.max()), float(output.min())
    tolerance = 1e-3 * max(top - bottom, 1e-12)
    pinned = ((output >= top - tolerance) & (predicted > actual)) | (
        (output <= bottom + tolerance) & (predicted < actual)
    )
    residual = np.where(pinned, 0.0, actual - predicted)
    own: Array = output[0] + np.cumsum(residual)
    return own


def loop_evidence(loop: Loop, raw: Array, own: Array, onset: int, w1: int) -> dict[str, Any]:
    values = stats.filled(raw)
    moved = 0.0 if values is None else float(np.ptp(values[max(0, onset - 6) : w1]))
    kept = float(np.ptp(own[max(0, onset - 6) : w1]))
    share = 0.0 if moved == 0.0 else max(0.0, 1.0 - kept / moved)
    return {"role": "controller output", "controlled_variable": loop.pv, "set_point": loop.sp,
            "law_r2": round(loop.law.r2, 4), "kc": rounded(loop.law.kc), "ki": rounded(loop.law.ki),
            "move_explained_by_controller": round(share, 4)}  # fmt: skip
