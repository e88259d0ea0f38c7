"""What each report shows: `resolve(params)` checks what is asked (400/404 before anything is
stored), `build(target, progress)` makes its content (reports.pdf.Content)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports.builders import audit_extract, batch, deviation, genealogy, trend
from reports.pdf import Content

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Builder:
    resolve: Callable[[dict[str, Any], Any], Any]  # (params, user) → target
    build: Callable[[Any, Progress], Content]


BUILDERS: dict[str, Builder] = {
    "batch": Builder(batch.resolve, batch.build),
    "deviation": Builder(deviation.resolve, deviation.build),
    "audit": Builder(audit_extract.resolve, audit_extract.build),
    "trend": Builder(trend.resolve, trend.build),
    "genealogy": Builder(genealogy.resolve, genealogy.build),
}
