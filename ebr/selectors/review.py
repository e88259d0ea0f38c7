"""Review by exception: what a batch's record holds that QA must look at (each exception with a
stable id naming its subject), what still blocks its release, and the disposition.

The batch records' own exceptions and blockers are providers like any other app's
(`ebr.providers`, registered in `EbrConfig.ready()`); the LIMS bridge and genealogy add theirs.
Exceptions are derived from the records every time, never stored: only QA's review of one is
(`ExceptionReview`, signed `reviewed`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from audit.canonical import format_ts
from audit.models import AuditEvent, Signature
from core.states import Blocker
from ebr import providers
from ebr.definitions import format_interval
from ebr.execution import read_states
from ebr.models import (
    Batch,
    BatchStatus,
    DeviationKind,
    DeviationStatus,
    ExceptionKind,
    ExceptionReview,
    StepEntry,
)
from ebr.providers import ReviewException
from ebr.selectors.deviations import batch_deviations
from ebr.selectors.signed import signature_json
from historian.models import Correction

DISPOSED = (BatchStatus.RELEASED, BatchStatus.REJECTED)
# Once its window has closed, a batch's record is expected complete: unsigned and unverified
# steps become exceptions (while it runs they are simply work still to do).
RECORD_COMPLETE = (BatchStatus.CLOSED, BatchStatus.UNDER_REVIEW, *DISPOSED)
# Exceptions that an action resolves (and that vanish when it is done): they block the release
# themselves, so a review alone never clears them.
RESOLVED_BY_ACTION = (ExceptionKind.STEP_UNSIGNED, ExceptionKind.STEP_UNVERIFIED)
# Changes to a batch row that are its workflow, not a change of the record: moving through its
# statuses (closing sets its end too), starting, the quantity measured at closing.
WORKFLOW = {"status", "started_at", "actual_quantity"}


def _entry_ref(entry: StepEntry) -> str:
    return f"{entry.step_code}/{entry.pk}"


def _entry_exceptions(batch: Batch) -> list[ReviewException]:
    found: list[ReviewException] = []
    late_after = format_interval(batch.master_record.late_after)
    entries = sorted((e for state in read_states(batch) for e in state.entries), key=lambda e: e.pk)
    for e in entries:
        who = e.performed_by.username
        if e.out_of_limit:
            values = ", ".join(f"{name} = {e.values.get(name)}" for name in e.out_of_limit)
            found.append(ReviewException(
                f"entry:{e.pk}:out_of_limit", ExceptionKind.ENTRY_OUT_OF_LIMIT,
                f"Step {e.step_code}, entry {e.pk} by {who}: {values} outside limits.",
                _entry_ref(e), e.created_at,
            ))  # fmt: skip
        if e.corrects_id is not None:
            found.append(ReviewException(
                f"entry:{e.corrects_id}:corrected", ExceptionKind.ENTRY_CORRECTED,
                f"Step {e.step_code}, entry {e.corrects_id} corrected by entry {e.pk} ({who}): "
                f"“{e.reason}”. The original stays on record.",
                _entry_ref(e), e.created_at,
            ))  # fmt: skip
        if e.late and e.opened_at is not None:
            after = format_interval(e.created_at - e.opened_at)
            found.append(ReviewException(
                f"entry:{e.pk}:late", ExceptionKind.ENTRY_LATE,
                f"Step {e.step_code}, entry {e.pk} by {who} recorded {after} after the step "
                f"opened (late after {late_after}).",
                _entry_ref(e), e.created_at,
            ))  # fmt: skip
    return found


def _step_exceptions(batch: Batch) -> list[ReviewException]:
    if batch.status not in RECORD_COMPLETE:
        return []
    found: list[ReviewException] = []
    for state in read_states(batch):
        if state.complete:
            continue
        title = f"Step {state.code} ({state.step.get('title', '')})"
        if not state.current:
            found.append(ReviewException(
                f"step:{state.code}:unsigned", ExceptionKind.STEP_UNSIGNED,
                f"{title} has no signed entry.", state.code, batch.end,
            ))  # fmt: skip
        else:
            found.append(ReviewException(
                f"step:{state.code}:unverified", ExceptionKind.STEP_UNVERIFIED,
                f"{title} waits for a second person's verification.", state.code, batch.end,
            ))  # fmt: skip
    return found


def _deviation_exceptions(batch: Batch) -> list[ReviewException]:
    found = []
    for d in sorted(batch_deviations(batch), key=lambda d: (d.start, d.pk)):
        kind = (
            ExceptionKind.CPP_EXCURSION
            if d.kind == DeviationKind.CPP_EXCURSION
            else ExceptionKind.DEVIATION
        )
        found.append(ReviewException(
            f"deviation:{d.number}", kind,
            f"{d.number} ({d.kind}, {d.severity}, {d.status}): {d.description}",
            d.number, d.created_at,
        ))  # fmt: skip
    return found


def _said(value: Any) -> str:
    if isinstance(value, str) and len(value) > 19 and value[4] == "-" and value[10] == "T":
        return value[:19].replace("T", " ") + " UTC"
    return "—" if value is None else str(value)


def _audit_exceptions(batch: Batch) -> list[ReviewException]:
    """Changes to the batch's record after it was executed: its row changed outside its
    workflow (e.g. its window moved after it started), and signed corrections of the values
    of its CPP tags inside its window — who, what, when, why."""
    found: list[ReviewException] = []
    if batch.started_at is None:
        return found
    events = AuditEvent.objects.filter(
        table_name="ebr_batch", record_pk=str(batch.pk), action="update",
        occurred_at__gt=batch.started_at,
    ).order_by("id")  # fmt: skip
    for event in events:
        changed = {k: v for k, v in event.changes.items() if k not in WORKFLOW}
        if not changed or "status" in event.changes:
            continue
        what = "; ".join(f"{k}: {_said(v[0])} → {_said(v[1])}" for k, v in changed.items())
        found.append(ReviewException(
            f"audit:{event.pk}", ExceptionKind.AUDIT_CHANGE,
            f"{event.actor_username} changed batch {batch} on "
            f"{_said(format_ts(event.occurred_at))} ({what}): “{event.reason}”.",
            f"audit_event/{event.pk}", event.occurred_at,
        ))  # fmt: skip
    tags = [s["tag"] for s in batch.master_record.parameter_specs]
    end = batch.end or timezone.now()
    corrections = Correction.objects.filter(
        tag__name__in=tags, start__lt=end, end__gt=batch.start
    ).select_related("tag", "author").order_by("id")  # fmt: skip
    for c in corrections:
        found.append(ReviewException(
            f"correction:{c.pk}", ExceptionKind.AUDIT_CHANGE,
            f"{c.author.username} corrected {c.tag.name} over "
            f"{_said(format_ts(c.start))} – {_said(format_ts(c.end))} on "
            f"{_said(format_ts(c.created_at))}: “{c.reason}”.",
            f"{c.tag.name}/correction/{c.pk}", c.created_at,
        ))  # fmt: skip
    return found


def batch_record_exceptions(batch: Batch) -> list[ReviewException]:
    """The batch records' own exceptions (registered as a provider)."""
    return [
        *_entry_exceptions(batch),
        *_deviation_exceptions(batch),
        *_step_exceptions(batch),
        *_audit_exceptions(batch),
    ]


def batch_record_blockers(batch: Batch) -> list[Blocker]:
    """What in the batch records themselves stops a release (registered as a provider): open
    deviations, steps without a signed entry, entries waiting for verification."""
    found = [
        Blocker("deviation_open", d.number,
                f"{d.number} ({d.kind}) is {d.status}: QA closes it with root cause, impact "
                "and CAPA.")
        for d in sorted(batch_deviations(batch), key=lambda d: (d.start, d.pk))
        if d.status != DeviationStatus.CLOSED
    ]  # fmt: skip
    for state in read_states(batch):
        if state.complete:
            continue
        if not state.current:
            found.append(Blocker("step_unsigned", state.code,
                                 f"Step {state.code} has no signed entry."))  # fmt: skip
        else:
            found.append(Blocker("step_unverified", state.code,
                                 f"Step {state.code} waits for a second person's "
                                 "verification."))  # fmt: skip
    return found


def disposition_signature(batch: Batch) -> Signature | None:
    """QA's signature on the disposed batch (`released` / `rejected`), or None."""
    if batch.status not in DISPOSED:
        return None
    return (
        Signature.objects.filter(
            record_table="ebr_batch", record_pk=str(batch.pk), meaning__in=list(DISPOSED)
        )
        .order_by("-signed_at")
        .first()
    )


def _review_signatures(reviews: list[ExceptionReview]) -> dict[int, Signature]:
    return {
        int(s.record_pk): s
        for s in Signature.objects.filter(
            record_table="ebr_exception_review", record_pk__in=[str(r.pk) for r in reviews]
        )
    }


def batch_exceptions(batch: Batch) -> list[dict[str, Any]]:
    """Every exception of the batch with its review (who, when, comment, signature), flagged
    when it arose after the disposition; then the reviews of exceptions an action has since
    resolved (`resolved`), so a look QA signed never disappears."""
    found = providers.review_exceptions(batch)
    reviews = {r.exception_id: r for r in batch.reviews.select_related("reviewed_by")}
    signed = _review_signatures(list(reviews.values()))
    disposed = disposition_signature(batch)
    disposed_at: datetime | None = disposed.signed_at if disposed else None
    out = []
    for item in sorted(found, key=lambda x: (x.at or batch.start, x.id)):
        review = reviews.pop(item.id, None)
        out.append(_exception_json(item.id, item.kind, item.summary, item.ref, item.at, review,
                                   signed, disposed_at, resolved=False))  # fmt: skip
    for review in reviews.values():
        out.append(_exception_json(review.exception_id, review.kind, review.summary, "", None,
                                   review, signed, disposed_at, resolved=True))  # fmt: skip
    return out


def _exception_json(
    id: str, kind: str, summary: str, ref: str, at: datetime | None,
    review: ExceptionReview | None, signed: dict[int, Signature], disposed_at: datetime | None,
    *, resolved: bool,
) -> dict[str, Any]:  # fmt: skip
    signature = signed.get(review.pk) if review is not None else None
    return {
        "id": id,
        "kind": str(kind),
        "summary": summary,
        "ref": ref,
        "arose_at": format_ts(at) if at else None,
        "post_disposition": bool(disposed_at and at and at > disposed_at),
        "resolved": resolved,
        "reviewed_by": review.reviewed_by.username if review else None,
        "reviewed_at": format_ts(review.created_at) if review else None,
        "comment": review.comment if review else None,
        "signature": signature_json(signature) if signature else None,
    }


def release_blockers(batch: Batch, exceptions: list[dict[str, Any]] | None = None) -> list[Blocker]:
    """Everything that stops the batch's release now: every provider's blockers (open
    deviations, unsigned or unverified steps, missing LIMS results, …), then each exception
    not reviewed yet (those an action resolves block as themselves)."""
    if exceptions is None:
        exceptions = batch_exceptions(batch)
    unreviewed = [
        Blocker("exception_unreviewed", e["id"], f"Not reviewed: {e['summary']}")
        for e in exceptions
        if e["reviewed_by"] is None and e["kind"] not in RESOLVED_BY_ACTION
    ]
    return [*providers.release_blockers(batch), *unreviewed]


def disposition_json(batch: Batch) -> dict[str, Any] | None:
    signature = disposition_signature(batch)
    if signature is None:
        return None
    return {
        "decision": "release" if batch.status == BatchStatus.RELEASED else "reject",
        "status": batch.status,
        "signature": signature_json(signature),
    }


def review_json(batch: Batch) -> dict[str, Any]:
    """The review state of a batch as the API gives it (`exceptions/`)."""
    exceptions = batch_exceptions(batch)
    return {
        "batch_number": batch.batch_number,
        "status": batch.status,
        "exceptions": exceptions,
        "blockers": [b.as_item() for b in release_blockers(batch, exceptions)],
        "disposition": disposition_json(batch),
    }
