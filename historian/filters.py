"""One FilterSet for tags: the tag browser and the API list both filter with it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from historian.models import Tag


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
