"""Master batch records: versions the server numbers, drafts edited until submitted, QA's signed
approval (never by anyone who wrote the version) and release for use (`effective`, which
retires the previously effective version)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import connection, transaction
from django.db.models.functions import Now

from audit.context import audit_context
from audit.models import AuditAction, AuditEvent
from audit.signing import SignatureFailed, SignatureRequest, signed_change
from core.errors import Conflict, Forbidden
from ebr.definitions import checked_definition, parse_late_after
from ebr.errors import EbrError
from ebr.models import (
    MASTER_STATES,
    UNFINISHED,
    BatchDefinition,
    Line,
    MasterRecord,
    MasterStatus,
)
from ebr.selectors import line_tags

AUTHOR = "ebr.manage_master_records"
APPROVE = "ebr.approve_master_records"
HEADER = ("product", "title", "line", "batch_definition", "late_after")
DEFINITION = ("steps", "parameter_specs", "lims_tests")
# Signed moves: the meaning each takes.
SIGNED = {MasterStatus.APPROVED: "approved", MasterStatus.EFFECTIVE: "released"}


def _fields(values: dict[str, Any], *, base: MasterRecord | None = None) -> dict[str, Any]:
    """The header and definition checked, `values` over `base` (the version copied)."""
    merged: dict[str, Any] = {}
    if base is not None:
        merged = {
            "product": base.product,
            "title": base.title,
            "line": base.line.code,
            "batch_definition": base.batch_definition,
            "late_after": base.late_after,
            **{key: getattr(base, key) for key in DEFINITION},
        }
    merged.update({k: v for k, v in values.items() if v is not None})
    problems: dict[str, str] = {}
    for key in ("product", "title", "line"):
        if not isinstance(merged.get(key), str) or not merged[key].strip():
            problems[key] = "required"
    line = Line.objects.filter(code=str(merged.get("line", "")).strip()).first()
    if line is None and "line" not in problems:
        problems["line"] = "no such line"
    definition = merged.get("batch_definition", BatchDefinition.TIME)
    if definition not in BatchDefinition.values:
        problems["batch_definition"] = "time or quantity"
    elif definition == BatchDefinition.QUANTITY and line is not None and not line.outlet_tag_id:
        problems["batch_definition"] = (
            f"a quantity batch integrates the line's outlet tag: {line.code} has none"
        )
    if problems:
        raise EbrError("The master record is not valid: see fields.", fields=problems)
    assert line is not None
    late = merged.get("late_after", "30m")
    numeric = set(
        line_tags(line).filter(value_type__in=["float", "int"]).values_list("name", flat=True)
    )
    return {
        "product": merged["product"].strip(),
        "title": merged["title"].strip(),
        "line": line,
        "batch_definition": definition,
        "late_after": late if not isinstance(late, str) else parse_late_after(late),
        **checked_definition(
            steps=merged.get("steps"),
            parameter_specs=merged.get("parameter_specs", []),
            lims_tests=merged.get("lims_tests", []),
            known_tags=numeric,
        ),
    }


def _lock_code(code: str) -> None:
    """One writer per master record code at a time (versions are numbered under it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ebr_master:{code}"])


def master_create(*, actor: Any, code: str, **values: Any) -> MasterRecord:
    """Version 1 of a new code, or the next version of an existing one as a draft copied from
    its latest version (with `values` applied); 409 while a draft or a version in review
    exists."""
    code = (code or "").strip() if isinstance(code, str) else ""
    if not code or len(code) > 60:
        raise EbrError("The master record needs a code.", fields={"code": "1–60 characters"})
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        _lock_code(code)
        versions = MasterRecord.objects.filter(code=code).select_related("line")
        latest = versions.order_by("-version").first()
        unfinished = versions.filter(status__in=UNFINISHED).first()
        if unfinished is not None:
            raise Conflict(
                f"{unfinished} is {unfinished.status}: finish or return it before a new "
                "version is drafted."
            )
        fields = _fields(values, base=latest)
        return MasterRecord.objects.create(
            code=code,
            version=latest.version + 1 if latest else 1,
            author=actor,
            status=MasterStatus.DRAFT,
            **fields,
        )


def master_update(*, actor: Any, record: MasterRecord, reason: str, **values: Any) -> MasterRecord:
    """Edit a draft (409 for any other status: an approved version never changes)."""
    if not isinstance(reason, str) or not reason.strip():
        raise EbrError("A change needs a reason.", fields={"reason": "required"})
    unknown = set(values) - set(HEADER) - set(DEFINITION)
    if unknown:
        raise EbrError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        locked = MasterRecord.objects.select_for_update().select_related("line").get(pk=record.pk)
        if locked.status != MasterStatus.DRAFT:
            error = Conflict(
                f"{locked} is {locked.status}: only a draft is edited. Draft a new version "
                "(POST the code again) to change it."
            )
            error.extra = {"current_status": locked.status, "allowed_statuses": []}
            raise error
        for key, value in _fields(values, base=locked).items():
            setattr(locked, key, value)
        locked.updated_at = Now()
        locked.save()
        locked.refresh_from_db(fields=["updated_at"])
    return locked


def editors(record: MasterRecord) -> set[int]:
    """Who wrote this version: its creator and everyone who changed its content (a status
    move alone is not writing it)."""
    events = AuditEvent.objects.filter(
        table_name="ebr_master_record",
        record_pk=str(record.pk),
        action__in=[AuditAction.INSERT, AuditAction.UPDATE],
    ).values_list("action", "actor_id", "changes")
    written = set()
    for action, actor_id, changes in events:
        if action == AuditAction.INSERT or set(changes or {}) - {"status", "updated_at"}:
            written.add(actor_id)
    return {a for a in written if a is not None}


def master_transition(
    *,
    actor: Any,
    record: MasterRecord,
    status: str,
    reason: str,
    signature: SignatureRequest | None = None,
    session: SessionBase | None = None,
) -> MasterRecord:
    """Move a version along its lifecycle; approval and release for use are QA signatures."""
    MASTER_STATES.check(record, status)
    if not isinstance(reason, str) or not reason.strip():
        raise EbrError("A status change needs a reason.", fields={"reason": "required"})
    meaning = SIGNED.get(MasterStatus(status))
    if meaning is None:
        needed = AUTHOR if status == MasterStatus.IN_REVIEW else None
        if (needed and not actor.has_perm(needed)) or (
            not needed and not (actor.has_perm(AUTHOR) or actor.has_perm(APPROVE))
        ):
            raise Forbidden(f"You may not move {record} to {status}.")
        with transaction.atomic(), audit_context(actor=actor, reason=reason):
            locked = MasterRecord.objects.select_for_update().get(pk=record.pk)
            MASTER_STATES.move(locked, status)
            locked.save(update_fields=["status"])
        return locked
    if signature is None:
        raise EbrError(
            f"{status} is signed by QA (meaning {meaning}).", fields={"signature": "required"}
        )
    if signature.meaning != meaning:
        raise EbrError(
            f"{status} is signed with meaning {meaning}.",
            fields={"signature": f"meaning must be {meaning}"},
        )
    with signed_change(actor=actor, reason=reason, signature=signature, session=session) as signed:
        signer = signed.signer
        if not signer.has_perm(APPROVE):
            raise SignatureFailed(f"{signer.username} may not sign this: QA reviewers do.")
        locked = MasterRecord.objects.select_for_update().get(pk=record.pk)
        if status == MasterStatus.APPROVED and signer.pk in editors(locked):
            raise SignatureFailed(
                f"{signer.username} wrote {locked}: its author never approves it (a second "
                "person does)."
            )
        MASTER_STATES.move(locked, status)
        if status == MasterStatus.EFFECTIVE:
            _lock_code(locked.code)
            for previous in MasterRecord.objects.select_for_update().filter(
                code=locked.code, status=MasterStatus.EFFECTIVE
            ):
                MASTER_STATES.move(previous, MasterStatus.RETIRED)
                previous.save(update_fields=["status"])
        locked.save(update_fields=["status"])
        signed.sign(locked, version=locked.version)
    return locked
