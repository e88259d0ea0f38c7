"""One FilterSet for the audit trail: the UI list, the API list and the exports."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.selectors import signatures_on, table_for


class PickedDateTime(forms.DateTimeInput):
    """The browser's date-time picker; the value is read in the site's time zone."""

    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if value is None:
            return None
        return str(timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S"))


def _site_zone_label(text: str) -> str:
    return f"{text} ({settings.TIME_ZONE} time)"


class AuditEventFilter(django_filters.FilterSet):  # type: ignore[misc]
    model = django_filters.CharFilter(
        method="filter_model",
        label="Record type (e.g. Annotation, or a table name)",
        widget=forms.TextInput(attrs={"list": "record-types"}),
    )
    object_id = django_filters.CharFilter(method="filter_object_id", label="Record id")
    user = django_filters.CharFilter(method="filter_user", label="User")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    start = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        label="From",
        widget=PickedDateTime(attrs={"step": 1}),
    )
    end = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="lt",
        label="Until",
        widget=PickedDateTime(attrs={"step": 1}),
    )

    class Meta:
        model = AuditEvent
        fields = ["model", "object_id", "user", "action", "start", "end"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in (("start", "From"), ("end", "Until")):
            self.filters[name].label = _site_zone_label(text)

    def filter_model(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> Any:
        """A record type's events, and the signatures applied to its records."""
        table = table_for(str(value))
        return queryset.filter(Q(table_name=table) | signatures_on(table))

    def filter_object_id(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> Any:
        """A record's events; with a record type, also the signatures applied to it."""
        pk = str(value)
        model = (self.data or {}).get("model")
        if not model:
            return queryset.filter(record_pk=pk)
        table = table_for(str(model))
        return queryset.filter(Q(table_name=table, record_pk=pk) | signatures_on(table, pk))

    def filter_user(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> Any:
        text = str(value)
        condition = Q(actor_username__iexact=text)
        if text.isdigit():
            condition |= Q(actor_id=int(text))
        return queryset.filter(condition)
