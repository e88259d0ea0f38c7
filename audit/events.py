"""Writing events into the chain that are not row captures: the primitives every audit
service builds on (security events, the key table). Sealed with the transaction's other
events (audit.chain)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from audit.actors import AnyActor, actor_identity
from audit.canonical import canonical_text
from audit.chain import seal_pending
from audit.keys import ServerKey
from audit.models import AuditAction, SigningKey
from core.request_context import current_request_id


def append_event(
    *,
    actor: AnyActor | None,
    action: str,
    table: str,
    pk: str,
    changes: dict[str, Any],
    reason: str = "",
) -> None:
    """Insert an unsealed event; it is sealed with the transaction's other events."""
    actor_id, actor_username = actor_identity(actor, allow_anonymous=True)
    with connection.cursor() as cursor:
        cursor.execute(
            # txid and occurred_at are the database's (audit_event_unsealed_insert).
            """INSERT INTO audit_event
                   (actor_id, actor_username, action, table_name, record_pk, changes, reason,
                    request_id)
               VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s)""",
            [
                actor_id,
                actor_username,
                action,
                table,
                pk,
                canonical_text(changes),
                reason,
                current_request_id(),
            ],
        )


@transaction.atomic
def record_security_event(
    *,
    actor: AnyActor | None,
    event: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Record a Part 11 security event (login, lockout, token, role change …) in the chain."""
    append_event(
        actor=actor,
        action=AuditAction.SECURITY,
        table="security",
        pk=subject,
        changes={"event": event, **(details or {})},
        reason=reason,
    )
    seal_pending()


def register_key(key: ServerKey) -> None:
    """Publish a key's public half in the key table (append-only) the first time it is used."""
    SigningKey.objects.get_or_create(key_id=key.key_id, defaults={"public_key_pem": key.public_pem})
