"""The audit-trail extract (`reports/audit.pdf?model=&object_id=&user=&action=&start=&end=`):
the events the audit trail's own filters select, in chain order, with their changes — a record's
history as an inspector asks for it. At most EXTRACT_LIMIT events (narrow the filters beyond)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.units import mm

from audit.canonical import format_ts
from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from core.errors import DomainError, Forbidden
from reports.pdf import Content, pairs, para, table, when

EXTRACT_LIMIT = 5000
FILTERS = ("model", "object_id", "user", "action", "start", "end")


def resolve(params: dict[str, Any], user: Any) -> Any:
    if not user.has_perm("audit.view_audit_trail"):
        raise Forbidden("Reading the audit trail is for auditors and QA reviewers.")
    asked = {k: str(v) for k, v in params.items() if k in FILTERS and v not in (None, "")}
    found = AuditEventFilter(data=asked, queryset=AuditEvent.objects.all())
    if not found.is_valid():
        fields = {k: " ".join(map(str, v)) for k, v in found.errors.items()}
        raise DomainError("The filters are not valid: see fields.", fields=fields)
    events = found.qs.order_by("seq", "id")
    count = events.count()
    if count > EXTRACT_LIMIT:
        raise DomainError(f"{count:,} events match: an extract holds at most {EXTRACT_LIMIT:,}; "
                          "narrow the filters (a record, a user, a window).",
                          fields={"start": "a narrower window"})  # fmt: skip
    return asked, events, count


def _changes(event: AuditEvent) -> str:
    changes = event.changes or {}
    if not isinstance(changes, dict):
        return str(changes)[:600]
    parts = []
    for name, value in list(changes.items())[:12]:
        if isinstance(value, list) and len(value) == 2:  # [old, new]
            old, new = value
            shown = f"{new!s:.60}" if old is None else f"{old!s:.60} → {new!s:.60}"
            parts.append(f"{name}: {shown}")
        else:
            parts.append(f"{name}: {value!s:.80}")
    return "; ".join(parts)


def build(target: Any, progress: Callable[[float], None]) -> Content:
    asked, events, count = target
    rows, manifest = [], []
    for i, event in enumerate(events.iterator(chunk_size=500)):
        rows.append([str(event.seq or "—"), when(event.occurred_at), event.actor_username,
                     event.action, f"{event.table_name} {event.record_pk}".strip(),
                     _changes(event), event.reason or "—"])  # fmt: skip
        manifest.append({"seq": event.seq, "hash": event.hash, "occurred_at":
                         format_ts(event.occurred_at), "action": event.action,
                         "table": event.table_name, "pk": event.record_pk})  # fmt: skip
        if i % 500 == 0:
            progress(0.1 + 0.6 * i / max(count, 1))
    described = ", ".join(f"{k} = {v}" for k, v in asked.items()) or "every event"
    story: list[Any] = [
        para("Selection", "h2"),
        pairs([("Filters", described), ("Events", f"{len(rows):,}")]),
        para("Events, in chain order", "h2"),
        table(["Seq", "When", "Who", "Action", "Record", "Changes", "Reason"], rows,
              widths=[w * mm for w in (12, 34, 22, 16, 26, 50, 18)])
        if rows else para("No event matches."),
        para("Each event's hash chains it to the one before (verify the chain at /audit/verify/ "
             "or with `manage.py audit_verify`).", "small"),
    ]  # fmt: skip
    return Content(title="Audit trail extract", subtitle=described, story=story,
                   manifest={"report": "audit", "filters": asked, "events": manifest})  # fmt: skip
