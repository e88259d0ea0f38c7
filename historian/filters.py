"""One FilterSet for tags: the tag browser and the API list both filter with it; the window
filter of the range records (annotations, corrections)."""

from __future__ import annotations

from typing import Any, TypeVar

import django_filters
from django.db.models import Model, Q, QuerySet

from historian.errors import HistorianError
from historian.models import Tag
from historian.timestamps import parse_ts

M = TypeVar("M", bound=Model)


class TagFilter(django_filters.FilterSet):  # type: ignore[misc]
    search = django_filters.CharFilter(method="filter_search", label="Name or description")
    equipment = django_filters.CharFilter(method="filter_equipment", label="Equipment path")

    class Meta:
        model = Tag
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Tag], name: str, value: str) -> QuerySet[Tag]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_equipment(self, queryset: QuerySet[Tag], name: str, value: str) -> QuerySet[Tag]:
        """The node and everything below it."""
        value = value.strip().rstrip("/")
        if not value:
            return queryset
        return queryset.filter(
            Q(equipment__path=value) | Q(equipment__path__startswith=value + "/")
        )


def filtered_tags(params: Any) -> QuerySet[Tag]:
    tags: QuerySet[Tag] = TagFilter(params, queryset=Tag.objects.select_related("equipment")).qs
    return tags


def overlapping(queryset: QuerySet[M], params: Any) -> QuerySet[M]:
    """Range records ([start, end)) that overlap the window `start`/`end` of the query, each
    bound optional; a bound that is not a timestamp → HistorianError saying so."""
    for key, lookup in (("start", "end__gt"), ("end", "start__lt")):
        text = params.get(key, "").strip()
        if not text:
            continue
        parsed = parse_ts(text)
        if isinstance(parsed, str):
            raise HistorianError(f"{key}: {parsed}", fields={key: parsed})
        queryset = queryset.filter(**{lookup: parsed[0]})
    return queryset
