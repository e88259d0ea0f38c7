"""Hooks through which higher apps contribute to a batch or a deviation, without ebr importing
them.

A batch's release blockers, its review exceptions and the sections of its detail page and
report, and the sections of a deviation's page (the root-cause ranking of the reports app)
come from providers: functions that higher apps (the LIMS bridge, reports, …) register from
their `AppConfig.ready()`. ebr asks every registered provider and never imports the app that
registered it (DESIGN.md, "Architecture").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.states import Blocker


@dataclass(frozen=True)
class ReviewException:
    """One item of a batch's review by exception (API.md `exceptions/`)."""

    id: str  # stable, naming its subject: `entry:123:late`, `deviation:DEV-0007`, `lims:7:oos`
    kind: str  # one of ebr.models.ExceptionKind
    summary: str
    ref: str  # the record it is about, as its API names it
    at: datetime | None = None  # when it arose (after the disposition: flagged as such)


@dataclass(frozen=True)
class Section:
    """A section of a batch's detail page and report, contributed by another app."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


BlockerProvider = Callable[[Any], Iterable[Blocker]]
FieldsProvider = Callable[[Any], dict[str, Any]]
ExceptionProvider = Callable[[Any], Iterable[ReviewException]]
SectionProvider = Callable[[Any], Iterable[Section]]

_blockers: list[BlockerProvider] = []
_exceptions: list[ExceptionProvider] = []
_sections: list[SectionProvider] = []
_fields: list[FieldsProvider] = []
_deviation_sections: list[SectionProvider] = []


def register_release_blockers(provider: BlockerProvider) -> BlockerProvider:
    """Register (usable as a decorator) a function batch → blockers of its release."""
    if provider not in _blockers:
        _blockers.append(provider)
    return provider


def register_review_exceptions(provider: ExceptionProvider) -> ExceptionProvider:
    if provider not in _exceptions:
        _exceptions.append(provider)
    return provider


def register_detail_sections(provider: SectionProvider) -> SectionProvider:
    if provider not in _sections:
        _sections.append(provider)
    return provider


def register_detail_fields(provider: FieldsProvider) -> FieldsProvider:
    """Register a function batch → members of the batch's API detail (e.g. `lims_results`)."""
    if provider not in _fields:
        _fields.append(provider)
    return provider


def register_deviation_sections(provider: SectionProvider) -> SectionProvider:
    """Register a function deviation → sections of the deviation's page."""
    if provider not in _deviation_sections:
        _deviation_sections.append(provider)
    return provider


def unregister(provider: Callable[[Any], Any]) -> None:
    for registry in (_blockers, _exceptions, _sections, _fields, _deviation_sections):
        if provider in registry:
            registry.remove(provider)


def release_blockers(batch: Any) -> list[Blocker]:
    return [blocker for provider in _blockers for blocker in provider(batch)]


def review_exceptions(batch: Any) -> list[ReviewException]:
    found = [item for provider in _exceptions for item in provider(batch)]
    ids = [item.id for item in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"review exceptions share ids: {', '.join(duplicates)}")
    return found


def _sections_of(registry: list[SectionProvider], subject: Any) -> list[Section]:
    return sorted((section for provider in registry for section in provider(subject)),
                  key=lambda s: s.order)  # fmt: skip


def detail_sections(batch: Any) -> list[Section]:
    return _sections_of(_sections, batch)


def deviation_sections(deviation: Any) -> list[Section]:
    return _sections_of(_deviation_sections, deviation)


def detail_fields(batch: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for provider in _fields:
        found.update(provider(batch))
    return found
