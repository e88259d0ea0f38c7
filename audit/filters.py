"""One FilterSet for the audit trail: the UI list, the API list and the exports."""

from __future__ import annotations

from typing import Any

import django_filters
from django.apps import apps
from django.db.models import Q, QuerySet

from audit.models import AuditAction, AuditEvent


def table_for(model: str) -> str:
    """`app_label.model` (or a table name) → the table name events carry."""
    if "." in model:
        try:
            return str(apps.get_model(model)._meta.db_table)
        except (LookupError, ValueError):
            return model
    return model


class AuditEventFilter(django_filters.FilterSet):  # type: ignore[misc]
    model = django_filters.CharFilter(
        method="filter_model", label="Record type (table or app.model)"
    )
    object_id = django_filters.CharFilter(field_name="record_pk", label="Record id")
    user = django_filters.CharFilter(method="filter_user", label="User")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    start = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label="From (UTC)"
    )
    end = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label="Until (UTC)"
    )

    class Meta:
        model = AuditEvent
        fields = ["model", "object_id", "user", "action", "start", "end"]

    def filter_model(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> Any:
        return queryset.filter(table_name=table_for(str(value)))

    def filter_user(self, queryset: QuerySet[AuditEvent], name: str, value: Any) -> Any:
        text = str(value)
        condition = Q(actor_username__iexact=text)
        if text.isdigit():
            condition |= Q(actor_id=int(text))
        return queryset.filter(condition)
