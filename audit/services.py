"""Writes to the audit chain that are not row captures: security events."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from audit.chain import seal_pending
from audit.models import AuditAction
from core.request_context import current_request_id


def actor_fields(actor: Any) -> tuple[int | None, str]:
    """(id, username) of a user, or of a named system actor given as a string."""
    if actor is None:
        return None, "anonymous"
    if isinstance(actor, str):
        return None, actor
    return (int(actor.pk) if actor.pk is not None else None), str(actor.username)


@transaction.atomic
def record_security_event(
    *,
    actor: Any,
    event: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Record a Part 11 security event (login, lockout, token, role change …) in the chain."""
    actor_id, actor_username = actor_fields(actor)
    changes: dict[str, Any] = {"event": event, **(details or {})}
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO audit_event
                   (txid, occurred_at, actor_id, actor_username, action, table_name, record_pk,
                    changes, reason, request_id)
               VALUES (txid_current(), clock_timestamp(), %s, %s, %s, 'security', %s,
                       %s::jsonb, %s, %s)""",
            [
                actor_id,
                actor_username,
                AuditAction.SECURITY.value,
                subject,
                _json(changes),
                reason,
                current_request_id(),
            ],
        )
    seal_pending()


def _json(value: dict[str, Any]) -> str:
    from audit.canonical import canonical_json

    return canonical_json(value).decode("utf-8")
