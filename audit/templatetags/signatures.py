"""Signature manifestation (21 CFR 11.50): printed name, date and time with zone, meaning."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from audit.manifestation import manifestation_text
from audit.models import Signature

register = template.Library()


@register.inclusion_tag("audit/signature_manifestation.html")
def signature_manifestation(signature: Signature) -> dict[str, Any]:
    return {"signature": signature, "text": manifestation_text(signature)}


@register.simple_tag
def signatures_for(record: Any) -> QuerySet[Signature]:
    """The signatures of a record, oldest first."""
    return Signature.objects.filter(
        record_table=record._meta.db_table, record_pk=str(record.pk)
    ).order_by("signed_at")
