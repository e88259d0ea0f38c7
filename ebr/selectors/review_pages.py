"""The QA reviewer's screens: the batches awaiting review, and one batch on one page — its
exceptions counted by kind with their review state, what blocks its release, its deviations,
the CPP trends of its window with the excursions shaded, and every signature on its record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from audit.models import Signature
from ebr.models import Batch, BatchStatus, ExceptionKind, StepEntry, StepVerification
from ebr.selectors.batches import batch_trend_url
from ebr.selectors.deviations import deviation_signatures, deviations
from ebr.selectors.execution import entry_signatures
from ebr.selectors.master_records import master_signatures
from ebr.selectors.review import (
    DISPOSED,
    batch_exceptions,
    disposition_signature,
    release_blockers,
)

AWAITING = (BatchStatus.CLOSED, BatchStatus.UNDER_REVIEW)
KIND_LABELS = dict(ExceptionKind.choices)
BLOCKER_LABELS = {
    "deviation_open": "open deviation",
    "step_unsigned": "unsigned step",
    "step_unverified": "unverified step",
    "exception_unreviewed": "not reviewed",
}
# What to do about each kind of blocker, said on the screen beside it.
NEXT_STEP = {
    "deviation_open": "close it with root cause, impact and CAPA",
    "step_unsigned": "the operator records and signs it",
    "step_unverified": "a supervisor verifies it",
    "exception_unreviewed": "review it below",
}


def _counts(exceptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per kind: how many, how many reviewed, and the bar widths of a small chart."""
    rows: dict[str, dict[str, Any]] = {}
    for e in exceptions:
        row = rows.setdefault(e["kind"], {"kind": e["kind"], "label": KIND_LABELS.get(
            e["kind"], e["kind"]), "total": 0, "reviewed": 0})  # fmt: skip
        row["total"] += 1
        row["reviewed"] += e["reviewed_by"] is not None
    most = max((r["total"] for r in rows.values()), default=1)
    for row in rows.values():
        row["reviewed_pct"] = round(100 * row["reviewed"] / most, 1)
        row["open_pct"] = round(100 * (row["total"] - row["reviewed"]) / most, 1)
    return sorted(rows.values(), key=lambda r: (-r["total"], r["kind"]))


def review_queue() -> dict[str, Any]:
    """Batches awaiting QA (closed or under review), oldest first, each with its counts; and
    the disposed batches where something was found after the disposition."""
    awaiting: list[dict[str, Any]] = []
    for batch in Batch.objects.filter(status__in=AWAITING).select_related("line", "master_record"):
        exceptions = batch_exceptions(batch)
        awaiting.append({
            "batch": batch,
            "exceptions": len(exceptions),
            "unreviewed": sum(e["reviewed_by"] is None for e in exceptions),
            "blockers": len(release_blockers(batch, exceptions)),
        })  # fmt: skip
    awaiting.sort(key=lambda row: row["batch"].start)
    since = timezone.now() - timedelta(days=90)
    later = []
    disposed = Batch.objects.filter(status__in=DISPOSED, end__gte=since)
    for batch in disposed.select_related("line", "master_record").order_by("-end"):
        found = [e for e in batch_exceptions(batch) if e["post_disposition"]]
        unreviewed = sum(e["reviewed_by"] is None for e in found)
        if found:
            later.append({"batch": batch, "found": len(found), "unreviewed": unreviewed})
    return {"awaiting": awaiting, "post_disposition": later}


def _signatures(batch: Batch, found_deviations: list[Any]) -> list[dict[str, Any]]:
    """Every signature on the batch's record, in time order, each with what it signed."""
    record = batch.master_record
    rows: list[dict[str, Any]] = [
        {"what": f"Master record {record}", "signature": s}
        for s in master_signatures([record])[record.pk]
    ]
    steps = {
        ("ebr_step_entry", pk): f"Step {code}, entry {pk}"
        for pk, code in StepEntry.objects.filter(batch=batch).values_list("id", "step_code")
    }
    checks = StepVerification.objects.filter(entry__batch=batch)
    for pk, code, entry in checks.values_list("id", "entry__step_code", "entry_id"):
        steps[("ebr_step_verification", pk)] = f"Step {code}, entry {entry} (verification)"
    for key, signed in entry_signatures(batch).items():
        rows += [{"what": steps.get(key, f"{key[0]} {key[1]}"), "signature": s} for s in signed]
    by_deviation = deviation_signatures(found_deviations)
    for d in found_deviations:
        rows += [{"what": f"Deviation {d.number}", "signature": s} for s in by_deviation[d.pk]]
    reviews = {str(r.pk): r.exception_id for r in batch.reviews.all()}
    for s in Signature.objects.filter(record_table="ebr_exception_review",
                                      record_pk__in=list(reviews)):  # fmt: skip
        rows.append({"what": f"Review of {reviews[s.record_pk]}", "signature": s})
    disposed = disposition_signature(batch)
    if disposed is not None:
        rows.append({"what": f"Disposition of batch {batch}", "signature": disposed})
    return sorted(rows, key=lambda r: r["signature"].signed_at)


def _blocker_row(blocker: Any) -> dict[str, Any]:
    label = BLOCKER_LABELS.get(blocker.kind, blocker.kind.replace("_", " "))
    return {**blocker.as_item(), "label": label, "next": NEXT_STEP.get(blocker.kind, "")}


def batch_review_page(batch: Batch, user: Any) -> dict[str, Any]:
    exceptions = batch_exceptions(batch)
    blockers = release_blockers(batch, exceptions)
    found = list(deviations(batch_number=batch.batch_number))
    may_review = user.has_perm("ebr.review_batches") and batch.status not in (
        BatchStatus.PLANNED, BatchStatus.CANCELLED,
    )  # fmt: skip
    for e in exceptions:
        e["dialog_id"] = "review-" + e["id"].replace(":", "-").replace(".", "-")
        e["label"] = KIND_LABELS.get(e["kind"], e["kind"])
        e["signatures"] = [e["signature"]] if e["signature"] else []
    return {
        "batch": batch,
        "record": batch.master_record,
        "exceptions": exceptions,
        "counts": _counts(exceptions),
        "unreviewed": sum(e["reviewed_by"] is None and not e["resolved"] for e in exceptions),
        "blockers": [_blocker_row(b) for b in blockers],
        "deviations": found,
        "trend_url": batch_trend_url(batch),
        "specs": batch.master_record.parameter_specs,
        "signatures": _signatures(batch, found),
        "may_review": may_review,
        "may_dispose": user.has_perm("ebr.release_batches") and batch.status in AWAITING,
        "may_take": user.has_perm("ebr.review_batches") and batch.status == BatchStatus.CLOSED,
        "disposition": disposition_signature(batch),
    }
