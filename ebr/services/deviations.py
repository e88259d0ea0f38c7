"""Deviations: raised by a person (manual) or by the system (excursions, out-of-limit entries,
OOS results: `deviation_raise` with a `source_key`, so raising the same thing again finds the
one there is), investigated and closed by QA with root cause, impact and CAPA under a
signature (`approved`)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, connection, transaction

from audit.actors import actor_identity
from audit.context import audit_context
from audit.signing import SignatureFailed, SignatureRequest, signed_change
from core.errors import Forbidden
from ebr.errors import EbrError
from ebr.models import (
    DEVIATION_STATES,
    Batch,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Line,
    Severity,
)
from ebr.services.fields import moment
from ebr.services.locking import lock_batch
from historian.models import Tag

INVESTIGATE = "ebr.review_batches"  # QA investigates and closes


def _number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('ebr_deviation_number')")
        return f"DEV-{cursor.fetchone()[0]:04d}"


def deviation_raise(
    *,
    actor: Any,
    line: str,
    kind: str,
    description: str,
    start: Any,
    end: Any = None,
    batch_number: str | None = None,
    severity: str = Severity.MINOR,
    tag: str | None = None,
    details: dict[str, Any] | None = None,
    source_key: str | None = None,
    reason: str = "",
) -> tuple[Deviation, bool]:
    """A new deviation (True), or, for a `source_key` raised before, that one (False)."""
    problems: dict[str, str] = {}
    if kind not in DeviationKind.values:
        problems["kind"] = f"one of {', '.join(DeviationKind.values)}"
    if severity not in Severity.values:
        problems["severity"] = f"one of {', '.join(Severity.values)}"
    if not isinstance(description, str) or not description.strip():
        problems["description"] = "say what happened"
    begin, finish = moment(start, "start", problems), moment(end, "end", problems)
    if begin is None and "start" not in problems:
        problems["start"] = "required"
    if begin is not None and finish is not None and finish < begin:
        problems["end"] = "must not be before start"
    found_line = Line.objects.filter(code=line).first()
    if found_line is None:
        problems["line"] = "no such line"
    batch = None
    if batch_number:
        batch = Batch.objects.filter(batch_number=batch_number).first()
        if batch is None:
            problems["batch_number"] = "no such batch"
        elif found_line is not None and batch.line_id != found_line.pk:
            problems["batch_number"] = f"{batch_number} runs on {batch.line.code}, not {line}"
    found_tag = None
    if tag:
        found_tag = Tag.objects.filter(name=tag).first()
        if found_tag is None:
            problems["tag"] = "no such tag"
    if problems:
        raise EbrError("The deviation is not valid: see fields.", fields=problems)
    assert begin is not None
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        if batch is not None:
            lock_batch(batch)  # a disposition under way sees it, or it comes after
        if source_key:
            known = Deviation.objects.filter(source_key=source_key).first()
            if known is not None:
                return known, False
        deviation = Deviation(
            number=_number(),
            line=found_line,
            batch=batch,
            kind=kind,
            severity=severity,
            tag=found_tag,
            start=begin,
            end=finish,
            description=description.strip(),
            details=details or {},
            source_key=source_key,
            raised_by=actor_identity(actor)[1],
        )
        try:
            with transaction.atomic():
                deviation.save()
        except IntegrityError:  # the same source raised by a parallel run a moment ago
            if not source_key:
                raise
            return Deviation.objects.get(source_key=source_key), False
    return deviation, True


def deviation_transition(
    *,
    actor: Any,
    deviation: Deviation,
    status: str,
    reason: str,
    root_cause: str = "",
    impact: str = "",
    capa: str = "",
    signature: SignatureRequest | None = None,
    session: SessionBase | None = None,
) -> Deviation:
    """QA takes a deviation into investigation, or closes it: closing needs root cause, impact
    and a CAPA reference, signed `approved` by a QA reviewer."""
    DEVIATION_STATES.check(deviation, status)
    if not isinstance(reason, str) or not reason.strip():
        raise EbrError("A status change needs a reason.", fields={"reason": "required"})
    if status == DeviationStatus.INVESTIGATING:
        if not actor.has_perm(INVESTIGATE):
            raise Forbidden("QA reviewers investigate deviations.")
        with transaction.atomic(), audit_context(actor=actor, reason=reason):
            locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
            DEVIATION_STATES.move(locked, status)
            locked.save(update_fields=["status"])
        return locked
    problems = {
        name: "required to close"
        for name, value in (("root_cause", root_cause), ("impact", impact), ("capa", capa))
        if not isinstance(value, str) or not value.strip()
    }
    if signature is None:
        problems["signature"] = "QA signs the closure (meaning approved)"
    elif signature.meaning != "approved":
        problems["signature"] = "meaning must be approved"
    if problems:
        raise EbrError("The deviation cannot close yet: see fields.", fields=problems)
    assert signature is not None
    with signed_change(actor=actor, reason=reason, signature=signature, session=session) as signed:
        if not signed.signer.has_perm(INVESTIGATE):
            raise SignatureFailed(f"{signed.signer.username} may not close deviations: QA does.")
        locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
        DEVIATION_STATES.move(locked, status)
        locked.root_cause, locked.impact, locked.capa = (
            root_cause.strip(), impact.strip(), capa.strip()
        )  # fmt: skip
        locked.save(update_fields=["status", "root_cause", "impact", "capa"])
        signed.sign(locked)
    return locked
