"""Review by exception and disposition (QA): each exception of a batch reviewed under a
signature (`reviewed`) with a comment; the batch released or rejected under a signature
(`released` / `rejected`) from `closed` or `under_review`. A release waits until nothing blocks
it: open deviations, unsigned or unverified steps, the blockers other apps provide (missing
LIMS results), and exceptions not yet reviewed. The disposition signs the batch itself, so its
record is read-only from then on (the signed guard)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction

from audit.signing import SignatureFailed, SignatureRequest, signed_change
from core.errors import Conflict, NotFound
from ebr import providers
from ebr.errors import EbrError
from ebr.models import BATCH_STATES, Batch, BatchStatus, ExceptionReview
from ebr.selectors.review import release_blockers
from ebr.services.locking import lock_batch

REVIEW = "ebr.review_batches"
RELEASE = "ebr.release_batches"
DECISIONS = {
    "release": (BatchStatus.RELEASED, "released"),
    "reject": (BatchStatus.REJECTED, "rejected"),
}


def exception_review(
    *,
    actor: Any,
    batch: Batch,
    exception_id: str,
    comment: Any,
    signature: SignatureRequest,
    session: SessionBase | None = None,
) -> ExceptionReview:
    """QA records, signed, that it looked at one exception of the batch (once per exception;
    exceptions found after the disposition are reviewed the same way)."""
    problems: dict[str, str] = {}
    if signature.meaning != "reviewed":
        problems["signature"] = "meaning reviewed"
    if not isinstance(comment, str) or not comment.strip():
        problems["comment"] = "say what you found and why it is acceptable (or not)"
    if problems:
        raise EbrError("The review is not valid: see fields.", fields=problems)
    with signed_change(
        actor=actor, reason=signature.reason, signature=signature, session=session
    ) as signed:
        signer = signed.signer
        if not signer.has_perm(REVIEW):
            raise SignatureFailed(f"{signer.username} may not review batches: QA reviewers do.")
        locked = lock_batch(batch)
        if locked.status in (BatchStatus.PLANNED, BatchStatus.CANCELLED):
            raise Conflict(f"Batch {locked} is {locked.status}: it has nothing to review.")
        found = next((e for e in providers.review_exceptions(locked) if e.id == exception_id), None)
        if found is None:
            raise NotFound(f"Batch {locked} has no exception {exception_id}: reload its list.")
        earlier = ExceptionReview.objects.filter(batch=locked, exception_id=exception_id).first()
        if earlier is not None:
            raise Conflict(f"{exception_id} was reviewed already (review {earlier.pk}).")
        try:
            with transaction.atomic():
                review = ExceptionReview.objects.create(
                    batch=locked, exception_id=found.id, kind=found.kind, summary=found.summary,
                    comment=comment.strip(), reviewed_by=signer,  # type: ignore[misc]
                )  # fmt: skip
        except IntegrityError as exc:  # reviewed by a parallel request a moment ago
            raise Conflict(f"{exception_id} was reviewed meanwhile: reload.") from exc
        signed.sign(review)
    return review


def batch_dispose(
    *,
    actor: Any,
    batch: Batch,
    decision: Any,
    signature: SignatureRequest,
    session: SessionBase | None = None,
) -> Batch:
    """Release or reject the batch under QA's signature. A release while anything blocks it
    → 409 with every blocker in `items` (`kind`, `ref`, `detail`); nothing changes."""
    if decision not in DECISIONS:
        raise EbrError("decision is release or reject.", fields={"decision": "release or reject"})
    status, meaning = DECISIONS[decision]
    if signature.meaning != meaning:
        raise EbrError(
            f"A {decision} is signed as {meaning}.", fields={"signature": f"meaning {meaning}"}
        )
    with signed_change(
        actor=actor, reason=signature.reason, signature=signature, session=session
    ) as signed:
        signer = signed.signer
        if not signer.has_perm(RELEASE):
            raise SignatureFailed(f"{signer.username} may not {decision} batches: QA does.")
        lock_batch(batch)  # entries, verifications and the batch's deviations wait for this
        locked = (
            Batch.objects.select_for_update()
            .select_related("master_record", "line")
            .get(pk=batch.pk)
        )
        BATCH_STATES.check(locked, status)
        if status == BatchStatus.RELEASED:
            blockers = release_blockers(locked)
            if blockers:
                raise Conflict(
                    f"Batch {locked} cannot be released yet: {len(blockers)} thing(s) block it. "
                    "Resolve each (close the deviations, complete the steps, review the "
                    "exceptions) or reject the batch.",
                    items=[b.as_item() for b in blockers],
                )
        BATCH_STATES.move(locked, status)
        locked.save(update_fields=["status"])
        signed.sign(locked)
    return locked
