"""RTD model versions per line and feeder: the list, and the version in force at a moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from audit.canonical import format_ts
from ebr.models import Line, RtdModelVersion
from ebr.rtd import RtdModel


def rtd_models(line: Line, feeder: str = "") -> QuerySet[RtdModelVersion]:
    found = RtdModelVersion.objects.filter(line=line).select_related("author", "line")
    if feeder:
        found = found.filter(feeder=feeder)
    return found.order_by("-pk")  # newest first, as the cursor pages it


def rtd_model_at(line: Line, feeder: str, at: datetime) -> RtdModelVersion | None:
    """The version in force at `at`: the latest effective by then (a later version effective
    from the same moment wins)."""
    return (
        RtdModelVersion.objects.filter(line=line, feeder=feeder, effective_from__lte=at)
        .order_by("-effective_from", "-version")
        .first()
    )


def rtd_of(version: RtdModelVersion) -> RtdModel:
    return RtdModel(
        kind=version.model, tau_s=version.tau_s, n=version.n, peclet=version.peclet,
        boundary=version.boundary, delay_s=version.delay_s,
    )  # fmt: skip


def rtd_json(version: RtdModelVersion) -> dict[str, Any]:
    return {
        "line": version.line.code,
        "feeder": version.feeder,
        "version": version.version,
        "model": version.model,
        "n": version.n,
        "peclet": version.peclet,
        "boundary": version.boundary if version.model == "axial_dispersion" else None,
        "tau_s": version.tau_s,
        "delay_s": version.delay_s,
        "effective_from": format_ts(version.effective_from),
        "reason": version.reason,
        "author": version.author.username,
        "created_at": format_ts(version.created_at),
        "described": rtd_of(version).describe(),
    }
