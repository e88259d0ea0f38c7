"""Audit services: checkpoints (signed and witnessed), signed trail reviews, recorded exports.

Security events and the other event primitives are in audit.events (re-exported here for
the apps that record them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

from audit.actors import actor_identity
from audit.canonical import canonical_json
from audit.chain import CHAIN_LOCK_KEY, chain_head, seal_pending, server_now
from audit.context import audit_context
from audit.events import append_event, record_security_event, register_key
from audit.filters import AuditEventFilter
from audit.keys import ServerKey, current_key, make_current, new_key
from audit.models import AuditAction, AuditEvent, AuditReview, Checkpoint
from audit.signing import signed_change
from audit.witness import witness_checkpoint

__all__ = ["append_event", "record_security_event", "register_key"]


def checkpoint_payload(
    *, head_seq: int, head_hash: str, created_at: Any, key: ServerKey
) -> dict[str, Any]:
    return {
        "head_seq": head_seq,
        "head_hash": head_hash,
        "created_at": created_at,
        "key_id": key.key_id,
        "public_key": key.public_pem,
    }


@transaction.atomic
def create_checkpoint(
    *,
    actor: Any = "system:scheduler",
    key: ServerKey | None = None,
    endorse_with: ServerKey | None = None,
) -> Checkpoint:
    """Sign the chain head with the server key; the checkpoint enters the chain itself."""
    seal_pending()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    created_at = server_now()
    head_seq, head_hash = chain_head()
    key = key or current_key()
    register_key(key)
    payload = checkpoint_payload(
        head_seq=head_seq, head_hash=head_hash, created_at=created_at, key=key
    )
    message = canonical_json(payload)
    checkpoint = Checkpoint.objects.create(
        head_seq=head_seq,
        head_hash=head_hash,
        created_at=created_at,
        key_id=key.key_id,
        public_key_pem=key.public_pem,
        signature=key.sign(message),
        previous_key_id=endorse_with.key_id if endorse_with else "",
        endorsement=endorse_with.sign(message) if endorse_with else "",
        created_by=actor_identity(actor)[1],
        cadence_seconds=settings.CHECKPOINT_MINUTES * 60,
    )
    checkpoint.refresh_from_db()
    append_event(
        actor=actor,
        action=AuditAction.CHECKPOINT,
        table="audit_checkpoint",
        pk=str(checkpoint.pk),
        changes=checkpoint_event_content(checkpoint),
        reason="key rotation" if endorse_with else "",
    )
    seal_pending()
    event_seq, event_hash = chain_head()
    # Witnessed outside the database once committed: a head that never committed is never
    # witnessed.
    transaction.on_commit(
        lambda: witness_checkpoint(
            checkpoint_id=checkpoint.pk, event_seq=event_seq, event_hash=event_hash
        )
    )
    return checkpoint


def checkpoint_if_new_events(*, actor: Any = "system:scheduler") -> Checkpoint | None:
    """The scheduled checkpoint: none when nothing was written since the last one."""
    last = (
        AuditEvent.objects.filter(action=AuditAction.CHECKPOINT, seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last is not None and chain_head()[0] == last:
        return None
    return create_checkpoint(actor=actor)


def checkpoint_event_content(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "head_seq": checkpoint.head_seq,
        "head_hash": checkpoint.head_hash,
        "created_at": checkpoint.created_at,
        "key_id": checkpoint.key_id,
        "public_key": checkpoint.public_key_pem,
        "signature": checkpoint.signature,
        "previous_key_id": checkpoint.previous_key_id,
        "endorsement": checkpoint.endorsement,
        "cadence_seconds": checkpoint.cadence_seconds,
    }


def rotate_key(*, actor: Any) -> Checkpoint:
    """Start a new key; its first checkpoint is signed by it and endorsed by the old key."""
    old = current_key()
    fresh = new_key()
    with transaction.atomic():
        checkpoint = create_checkpoint(actor=actor, key=fresh, endorse_with=old)
        transaction.on_commit(lambda: make_current(fresh))
    return checkpoint


def audit_review_record(
    *,
    actor: Any,
    from_seq: int,
    to_seq: int,
    filters: dict[str, Any],
    note: str,
    signature: Any = None,
    session: Any = None,
) -> AuditReview:
    """Record that `actor` reviewed events from_seq..to_seq under `filters` (Annex 11 §9).

    With a signature request the review is signed (meaning `reviewed`) in the
    same transaction: a failed signing stores no review.
    """
    if from_seq > to_seq:
        raise ValueError("the range is empty")
    events = AuditEventFilter(
        filters, queryset=AuditEvent.objects.filter(seq__gte=from_seq, seq__lte=to_seq)
    ).qs
    if signature is None:
        with audit_context(actor=actor, reason="audit trail review"):
            return _review_create(actor, from_seq, to_seq, filters, events.count(), note)
    with signed_change(
        actor=actor, reason="audit trail review", signature=signature, session=session
    ) as signed:
        review = _review_create(actor, from_seq, to_seq, filters, events.count(), note)
        signed.sign(review)
    return review


def _review_create(
    actor: Any, from_seq: int, to_seq: int, filters: dict[str, Any], count: int, note: str
) -> AuditReview:
    return AuditReview.objects.create(
        reviewer=actor,
        from_seq=from_seq,
        to_seq=to_seq,
        filters=filters,
        event_count=count,
        note=note.strip(),
    )


def audit_export_recorded(
    *, actor: Any, export_format: str, filters: dict[str, Any], count: int
) -> None:
    """Exports of the trail are themselves recorded (who took which extract, when)."""
    record_security_event(
        actor=actor,
        event="audit_trail_exported",
        subject=export_format,
        details={"filters": filters, "events": count},
    )
