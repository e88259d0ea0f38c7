"""Where a batch's steps stand (21 CFR 11.10(f), sequence): derived from the entries and
verifications, never stored. A step opens when every predecessor is complete — the steps it
names in `after`, or else the step before it — and the first steps open when the batch starts.
An entry is complete once performed and, where the step asks for it, verified by a second
person; a corrected entry is replaced by its correction (the original stays on record)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.memo import once_per
from ebr.models import Batch, StepEntry


@dataclass
class StepState:
    step: dict[str, Any]
    predecessors: list[str]
    entries: list[StepEntry] = field(default_factory=list)  # every entry, originals included
    current: list[StepEntry] = field(default_factory=list)  # those not corrected since
    opened_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def code(self) -> str:
        return str(self.step["code"])

    @property
    def needs_verification(self) -> bool:
        return "verified" in self.step.get("required_signatures", [])

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    def entry_done_at(self, entry: StepEntry) -> datetime | None:
        """When an entry became complete (performed, and verified where asked), or None."""
        if not self.needs_verification:
            return entry.created_at
        verification = getattr(entry, "verification", None)
        return verification.created_at if verification is not None else None


def predecessors(steps: list[dict[str, Any]], index: int) -> list[str]:
    step = steps[index]
    if step.get("after"):
        return list(step["after"])
    return [steps[index - 1]["code"]] if index > 0 else []


def step_states(batch: Batch, entries: list[StepEntry] | None = None) -> list[StepState]:
    """Every step of the batch's master record version, in order, with its entries and when
    it opened and completed."""
    steps: list[dict[str, Any]] = batch.master_record.steps
    if entries is None:
        entries = list(
            StepEntry.objects.filter(batch=batch)
            .select_related("performed_by", "verification", "verification__verified_by")
            .order_by("id")
        )
    corrected = {e.corrects_id for e in entries if e.corrects_id is not None}
    states: dict[str, StepState] = {}
    ordered = []
    for i, step in enumerate(steps):
        state = StepState(step=step, predecessors=predecessors(steps, i))
        state.entries = [e for e in entries if e.step_code == step["code"]]
        state.current = [e for e in state.entries if e.pk not in corrected]
        before = [states[code] for code in state.predecessors if code in states]
        if batch.started_at is not None and all(s.complete for s in before):
            state.opened_at = max(
                [batch.started_at, *(s.completed_at for s in before if s.completed_at)]
            )
        if state.is_open:
            done = [t for e in state.current if (t := state.entry_done_at(e)) is not None]
            # A repeatable step is complete after its first complete entry; any other step
            # when its (current) entry is.
            state.completed_at = min(done) if done else None
        states[state.code] = state
        ordered.append(state)
    return ordered


def read_states(batch: Batch) -> list[StepState]:
    """`step_states` for reads, computed once per batch object: a page or an API answer asks
    for them several times (steps, exceptions, blockers). Writers call `step_states` on the
    batch they locked and read afresh."""
    return once_per(batch, "_read_states", lambda: step_states(batch))
