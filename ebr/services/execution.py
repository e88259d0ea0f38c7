"""Step execution: entries signed `performed` on open steps, second-person verification
(`verified`, never by the performer), corrections as new entries pointing at the original,
late and out-of-limit flags; an out-of-limit value is accepted and raises a `step_limit`
deviation."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actors import SystemActor
from audit.signing import SignatureFailed, SignatureRequest, signed_change
from core.errors import Conflict
from ebr.errors import EbrError, LotNotUsable
from ebr.execution import StepState, step_states
from ebr.models import Batch, BatchStatus, MaterialLot, StepEntry, StepVerification
from ebr.services.deviations import deviation_raise
from ebr.services.lines_and_lots import lot_check_usable
from ebr.services.locking import lock_batch
from historian.models import Equipment
from historian.timestamps import parse_ts

PERFORM = "ebr.execute_steps"
VERIFY = "ebr.verify_steps"
MONITOR = SystemActor("system:batch-execution")


# A batch's record is written while it runs and, until QA's disposition, after its window
# closed (an entry made then is flagged late, and QA sees it); never before it starts, and
# never after the disposition (read-only).
RECORDABLE = (BatchStatus.IN_PROGRESS, BatchStatus.CLOSED, BatchStatus.UNDER_REVIEW)


def _check_recordable(batch: Batch) -> None:
    if batch.status in RECORDABLE:
        return
    if batch.status in (BatchStatus.RELEASED, BatchStatus.REJECTED):
        raise Conflict(f"Batch {batch} is {batch.status}: its record is read-only after QA's "
                       "disposition (raise a deviation for what was found since).")  # fmt: skip
    raise Conflict(f"Batch {batch} is {batch.status}: steps are recorded once it has started.")


def _state(batch: Batch, step_code: str) -> StepState:
    for state in step_states(batch):
        if state.code == step_code:
            return state
    raise EbrError(
        f"{batch.master_record} has no step {step_code}.", fields={"step": "unknown step"}
    )


def _value(field: dict[str, Any], value: Any, at: datetime) -> tuple[Any, str | None]:
    """The value in its stored form, or why it is not one this field takes."""
    kind = field["type"]
    if kind in ("number", "int"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return None, "a number"
        if kind == "int" and float(value) != int(value):
            return None, "a whole number"
        return (int(value) if kind == "int" else float(value)), None
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "true or false")
    if kind == "text":
        return (value.strip(), None) if isinstance(value, str) else (None, "text")
    if kind == "choice":
        return (value, None) if value in field.get("choices", []) else (
            None, f"one of {', '.join(field.get('choices', []))}"
        )  # fmt: skip
    if kind == "timestamp":
        parsed = parse_ts(value) if isinstance(value, str) else "a timestamp with an offset"
        return (None, parsed) if isinstance(parsed, str) else (parsed[1], None)
    if kind == "lot":
        material, _, number = str(value).partition("/")
        lot = MaterialLot.objects.filter(material=material, lot=number).first()
        if lot is None:
            return None, "a lot as material/lot, e.g. API/API-02601"
        try:
            lot_check_usable(lot, at)  # released and not expired: the one rule for lots
        except LotNotUsable as refused:
            return None, refused.message
        return f"{lot.material}/{lot.lot}", None
    if kind == "equipment":
        found = Equipment.objects.filter(path=str(value).strip("/")).exists()
        return (str(value).strip("/"), None) if found else (None, "an equipment path")
    return None, f"an unknown field type {kind}"


def _checked(state: StepState, values: Any, at: datetime) -> tuple[dict[str, Any], list[str]]:
    """The entry's values, typed, and the fields outside their limits."""
    if not isinstance(values, dict):
        raise EbrError("values is an object of field names to values.", fields={"values": "object"})
    fields = {f["name"]: f for f in state.step.get("fields", [])}
    problems: dict[str, str] = {}
    unknown = sorted(set(values) - set(fields))
    for name in unknown:
        problems[f"values.{name}"] = "not a field of this step"
    clean: dict[str, Any] = {}
    out: list[str] = []
    for name, field in fields.items():
        if values.get(name) is None:
            if field.get("required", True):
                problems[f"values.{name}"] = "required"
            continue
        value, problem = _value(field, values[name], at)
        if problem:
            problems[f"values.{name}"] = problem
            continue
        clean[name] = value
        low, high = field.get("low"), field.get("high")
        if field["type"] in ("number", "int") and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            out.append(name)
    if problems:
        raise EbrError("The entry is not valid: see fields.", fields=problems)
    return clean, out


def entry_record(
    *,
    actor: Any,
    batch: Batch,
    step_code: str,
    values: Any,
    signature: SignatureRequest,
    corrects: int | None = None,
    reason: str = "",
    session: SessionBase | None = None,
) -> StepEntry:
    """Record values on an open step, signed `performed`; or correct an earlier entry (a new
    entry with a reason, by its performer or a supervisor)."""
    if signature.meaning != "performed":
        raise EbrError(
            "An entry is signed as performed.", fields={"signature": "meaning performed"}
        )
    if corrects is not None and (not isinstance(reason, str) or not reason.strip()):
        raise EbrError("A correction needs a reason.", fields={"reason": "required"})
    with signed_change(
        actor=actor, reason=reason or "step performed", signature=signature, session=session
    ) as signed:
        signer = signed.signer
        if not signer.has_perm(PERFORM):
            raise SignatureFailed(f"{signer.username} may not record batch steps.")
        locked = lock_batch(batch)
        _check_recordable(locked)
        state = _state(locked, step_code)
        now = timezone.now()
        original = None
        if corrects is not None:
            original = next((e for e in state.current if e.pk == corrects), None)
            if original is None:
                raise Conflict(
                    f"Entry {corrects} is not a current entry of {step_code}: correct the latest "
                    "one (an entry is corrected once; its correction is corrected next)."
                )
            if original.performed_by_id != signer.pk and not signer.has_perm(VERIFY):
                raise SignatureFailed("Its performer or a supervisor corrects an entry.")
        elif not state.is_open:
            waiting = ", ".join(state.predecessors) or "the batch's start"
            raise Conflict(f"Step {step_code} is not open: it waits for {waiting}.")
        elif state.current and not state.step.get("repeatable"):
            raise Conflict(
                f"Step {step_code} is recorded already: correct entry {state.current[-1].pk} "
                "instead (with a reason)."
            )
        clean, out = _checked(state, values, now)
        opened = state.opened_at or (original.opened_at if original else None)
        late = bool(opened and now - opened > locked.master_record.late_after)
        try:
            with transaction.atomic():
                entry = StepEntry.objects.create(
                    batch=locked, step_code=step_code, values=clean, corrects=original,
                    reason=reason.strip() if isinstance(reason, str) else "",
                    performed_by=signer,  # type: ignore[misc]  # an account
                    out_of_limit=out, late=late, opened_at=opened,
                )  # fmt: skip
        except IntegrityError as exc:  # corrected by a parallel request a moment ago
            raise Conflict(f"Entry {corrects} was corrected meanwhile: reload.") from exc
        signed.sign(entry)
        if out:
            deviation_raise(
                actor=MONITOR, line=locked.line.code, batch_number=locked.batch_number,
                kind="step_limit", severity="minor", start=now,
                description=f"Step {step_code}: {', '.join(out)} outside limits "
                            f"({', '.join(f'{k}={clean[k]}' for k in out)}).",
                details={"entry": entry.pk, "fields": out}, source_key=f"entry:{entry.pk}:limit",
                reason="an entry outside its limits",
            )  # fmt: skip
    return entry


def entry_verify(
    *,
    actor: Any,
    batch: Batch,
    step_code: str,
    signature: SignatureRequest,
    entry_id: int | None = None,
    session: SessionBase | None = None,
) -> StepVerification:
    """A second person verifies a step's current entry (the latest one unless named)."""
    if signature.meaning != "verified":
        raise EbrError("A verification is signed as verified.", fields={"signature": "verified"})
    with signed_change(
        actor=actor, reason=signature.reason, signature=signature, session=session
    ) as signed:
        signer = signed.signer
        if not signer.has_perm(VERIFY):
            raise SignatureFailed(f"{signer.username} may not verify steps: supervisors do.")
        locked = lock_batch(batch)
        _check_recordable(locked)
        state = _state(locked, step_code)
        if not state.needs_verification:
            raise Conflict(f"Step {step_code} asks for no verification.")
        waiting = [e for e in state.current if getattr(e, "verification", None) is None]
        entry = next((e for e in waiting if entry_id in (None, e.pk)), None)
        if entry is None:
            raise Conflict(f"Step {step_code} has no current entry waiting for verification.")
        if entry.performed_by_id == signer.pk:
            raise SignatureFailed("The performer never verifies their own entry (four eyes).")
        try:
            with transaction.atomic():
                verification = StepVerification.objects.create(
                    entry=entry,
                    verified_by=signer,  # type: ignore[misc]  # an account
                )
        except IntegrityError as exc:  # verified by a parallel request a moment ago
            raise Conflict(f"Entry {entry.pk} was verified meanwhile.") from exc
        signed.sign(verification)
    return verification
