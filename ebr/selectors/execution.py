"""Executed steps: entries with their performed and verified signatures, the operator's execution
screen and the supervisor's verification queue."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from audit.canonical import format_ts
from audit.models import Signature
from ebr.execution import read_states
from ebr.models import (
    Batch,
    MaterialLot,
    StepEntry,
    StepVerification,
)
from ebr.selectors.signed import SHOWN, signature_json


def entry_signatures(batch: Batch) -> dict[tuple[str, int], list[Signature]]:
    """The manifestations on a batch's entries and verifications, by (table, id)."""
    entries = list(StepEntry.objects.filter(batch=batch).values_list("id", flat=True))
    checks = list(StepVerification.objects.filter(entry__batch=batch).values_list("id", flat=True))
    found: dict[tuple[str, int], list[Signature]] = {}
    for s in (
        Signature.objects.filter(
            Q(record_table="ebr_step_entry", record_pk__in=[str(i) for i in entries])
            | Q(record_table="ebr_step_verification", record_pk__in=[str(i) for i in checks])
        )
        .only(*SHOWN)
        .order_by("signed_at")
    ):
        found.setdefault((s.record_table, int(s.record_pk)), []).append(s)
    return found


def entry_json(entry: StepEntry, signed: dict[tuple[str, int], list[Signature]]) -> dict[str, Any]:
    verification = getattr(entry, "verification", None)
    return {
        "id": entry.pk,
        "step": entry.step_code,
        "values": entry.values,
        "corrects": entry.corrects_id,
        "reason": entry.reason,
        "out_of_limit": entry.out_of_limit,
        "late": entry.late,
        "performed": [signature_json(s) for s in signed.get(("ebr_step_entry", entry.pk), [])],
        "verified": [
            signature_json(s) for s in signed.get(("ebr_step_verification", verification.pk), [])
        ]
        if verification is not None
        else [],
        "created_at": format_ts(entry.created_at),
    }


def steps_json(batch: Batch) -> list[dict[str, Any]]:
    """Each step of the batch: open or not, complete or not, and every entry (corrected
    originals included, each marked by what corrects it)."""
    signed = entry_signatures(batch)
    out = []
    for state in read_states(batch):
        out.append(
            {
                "code": state.code,
                "title": state.step.get("title", ""),
                "open": state.is_open,
                "complete": state.complete,
                "opened_at": format_ts(state.opened_at) if state.opened_at else None,
                "completed_at": format_ts(state.completed_at) if state.completed_at else None,
                "needs_verification": state.needs_verification,
                "entries": [entry_json(e, signed) for e in state.entries],
            }
        )
    return out


def execution_page(batch: Batch, user: Any) -> dict[str, Any]:
    """The operator's screen: every step in order with its state, the open ones to record,
    the released lots a `lot` field may take, and each entry's manifestations."""
    signed = entry_signatures(batch)
    states = read_states(batch)
    rows = []
    for state in states:
        rows.append(
            {
                "state": state,
                "step": state.step,
                "entries": [
                    {**entry_json(e, signed), "dialog": f"correct-{e.pk}"} for e in state.entries
                ],
                # The entries still in force, which a correction may replace.
                "current": [e.pk for e in state.current],
                "can_record": state.is_open
                and batch.status == "in_progress"
                and (not state.current or state.step.get("repeatable")),
            }
        )
    lots = MaterialLot.objects.filter(status="released").order_by("material", "lot")
    return {
        "batch": batch,
        "rows": rows,
        "lots": [f"{lot.material}/{lot.lot}" for lot in lots],
        "may_record": user.has_perm("ebr.execute_steps"),
    }


def verification_queue(user: Any) -> list[dict[str, Any]]:
    """Entries of batches not yet disposed that wait for a second person, oldest first."""
    queue = []
    # Until QA's disposition a batch's entries may still wait for their check.
    running = Batch.objects.filter(
        status__in=["in_progress", "closed", "under_review"]
    ).select_related("master_record", "line")
    for batch in running:
        signed = entry_signatures(batch)
        for state in read_states(batch):
            if not state.needs_verification:
                continue
            for entry in state.current:
                if getattr(entry, "verification", None) is None:
                    queue.append(
                        {
                            "batch": batch,
                            "step": state.step,
                            "entry": entry_json(entry, signed),
                            "own": entry.performed_by_id == user.pk,
                            "dialog_id": f"verify-{entry.pk}",
                        }
                    )
    return sorted(queue, key=lambda item: item["entry"]["created_at"])
