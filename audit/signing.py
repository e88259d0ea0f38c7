"""Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200).

`sign_record` re-authenticates the signer, checks that they may sign, computes
the SHA-256 of the record's canonical content over its signed fields, seals
the manifestation with the server key and enters it into the chain.

Re-authentication (11.200(a)(1)): the first signing of a continuous session
takes both components (username and password); later signings in the same
session take the password. A token-authenticated API call has no session:
every signing there takes both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection, models, transaction
from django.utils.module_loading import import_string

from audit.actors import Signer
from audit.canonical import canonical_json, parse_json, sha256_hex
from audit.chain import chain_lock_held, server_now
from audit.context import audit_context
from audit.events import append_event, record_security_event, register_key
from audit.keys import current_key
from audit.models import AuditAction, Signature, SignatureMeaning
from audit.registry import declared_tables
from core.deferred import in_test_case_transaction
from core.errors import Forbidden

SIGNING_SESSION_KEY = "ledgerline_signing_user"
SIGN_PERMISSION = "audit.sign_records"


class SignatureFailed(Forbidden):
    """403 `signature_failed`: the signer's re-authentication failed or they may not sign."""

    code = "signature_failed"

    def __init__(self, message: str, *, after_rollback: list[Any] | None = None) -> None:
        super().__init__(message)
        self.after_rollback = after_rollback or []


@dataclass(frozen=True)
class SignatureRequest:
    """What a signer hands over: the API's `signature` body or the UI dialog."""

    password: str
    meaning: str
    reason: str
    username: str = ""


def record_content(table: str, pk: str, fields: list[str]) -> dict[str, Any]:
    """The canonical content of a record over `fields`, as the database holds it; the record
    is found by the key column its table declares (audit.catalogue.AuditedTable.pk)."""
    declared = declared_tables().get(table)
    key = declared.pk if declared is not None else "id"
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT audit_to_jsonb(t)::text FROM "{table}" t WHERE t."{key}"::text = %s',
            [pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise SignatureFailed(f"{table}:{pk} does not exist")
    data = parse_json(row[0])
    return {name: data.get(name) for name in fields}


def content_digest(content: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(content))


def signature_payload(signature: Signature) -> dict[str, Any]:
    """What the server key signs, and what the chain event carries with the seal."""
    return {
        "signature_id": signature.pk,
        "signer": {"id": signature.signer_id, "username": signature.signer_username},
        "printed_name": signature.printed_name,
        "meaning": signature.meaning,
        "reason": signature.reason,
        "signed_at": signature.signed_at,
        "record": {
            "table": signature.record_table,
            "pk": signature.record_pk,
            "version": signature.record_version,
        },
        "signed_fields": signature.signed_fields,
        "content_sha256": signature.content_sha256,
        "key_id": signature.key_id,
    }


def reauthenticate_signer(
    request: SignatureRequest, *, session_user: Signer | None, session: SessionBase | None
) -> Signer:
    """Re-authenticate the signer (11.200(a)); call it before writing anything audited.

    Authentication locks the account's throttle row, and the lock order of
    Ledgerline is that row before the chain lock (accounts.services): a
    service that writes a record and signs it re-authenticates first, then
    writes, then calls `sign_record(signer=...)`.
    """
    if chain_lock_held() and not in_test_case_transaction():
        raise RuntimeError(
            "re-authenticate the signer before writing audited records "
            "(lock order: throttle row, then chain lock)"
        )
    return _reauthenticate(request, session_user=session_user, session=session)


def _reauthenticate(
    request: SignatureRequest, *, session_user: Signer | None, session: SessionBase | None
) -> Signer:
    continuous = (
        session is not None
        and session_user is not None
        and session.get(SIGNING_SESSION_KEY) == session_user.pk
    )
    username = request.username.strip()
    if session_user is not None:
        if username and username.lower() != session_user.username.lower():
            raise SignatureFailed("You can sign only as yourself in your own session.")
        if not username and not continuous:
            raise SignatureFailed(
                "The first signing of a session needs your username and password."
            )
        username = session_user.username
    elif not username:
        raise SignatureFailed("A signing needs the signer's username and password.")
    # The accounts app authenticates (settings.SIGNING_AUTHENTICATOR): it counts a wrong
    # password towards the lockout and raises SignatureFailed, with what must be recorded
    # after the rollback.
    authenticate = import_string(settings.SIGNING_AUTHENTICATOR)
    signer: Signer = authenticate(username=username, password=request.password)
    if not signer.has_perm(SIGN_PERMISSION):
        deferred = [
            lambda: record_security_event(
                actor=signer,
                event="signing_refused",
                subject=signer.username,
                details={"why": "no signing permission"},
            )
        ]
        raise SignatureFailed("This account may not sign electronically.", after_rollback=deferred)
    return signer


def check_request(request: SignatureRequest) -> None:
    """The meaning and reason of a signature request (before anyone is re-authenticated)."""
    if request.meaning not in SignatureMeaning.values:
        raise SignatureFailed(
            f"Unknown meaning {request.meaning!r}: one of {', '.join(SignatureMeaning.values)}."
        )
    if not request.reason.strip():
        raise SignatureFailed("A signature needs a reason.")


def sign_record(
    *,
    record: models.Model,
    request: SignatureRequest,
    signer: Signer | None = None,
    session_user: Signer | None = None,
    session: SessionBase | None = None,
    version: int | None = None,
) -> Signature:
    """Sign `record` as the re-authenticated signer; returns the sealed signature.

    `signer` is the person `reauthenticate_signer` returned for this request,
    when the caller wrote the record first; without it the signer is
    re-authenticated here. Raises SignatureFailed (403 `signature_failed`).
    Its `after_rollback` actions (the security events and the lockout count)
    run once the caller's transaction has rolled back: see `core.deferred`.
    """
    check_request(request)
    if signer is None:
        signer = reauthenticate_signer(request, session_user=session_user, session=session)
    fields = list(getattr(record, "signed_fields", ()))
    if not fields:
        raise TypeError(f"{type(record).__name__} declares no signed_fields")
    table = record._meta.db_table
    pk = str(record.pk)
    key = current_key()
    with audit_context(actor=signer, reason=request.reason):
        register_key(key)
        content = record_content(table, pk, fields)
        signed_at = server_now()
        signature = Signature(
            signer=signer,  # type: ignore[misc]  # an account of settings.AUTH_USER_MODEL
            signer_username=signer.username,
            printed_name=signer.full_name,
            meaning=request.meaning,
            reason=request.reason.strip(),
            signed_at=signed_at,
            record_table=table,
            record_pk=pk,
            record_version=version if version is not None else int(getattr(record, "version", 1)),
            signed_fields=fields,
            content_sha256=content_digest(content),
            key_id=key.key_id,
            server_signature="",
        )
        # The id is part of what is sealed: take it first, then insert once.
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_signature', 'id'))")
            signature.pk = cursor.fetchone()[0]
        payload = signature_payload(signature)
        signature.server_signature = key.sign(canonical_json(payload))
        signature.save(force_insert=True)
        append_event(
            actor=signer,
            action=AuditAction.SIGNATURE,
            table="audit_signature",
            pk=str(signature.pk),
            changes={**payload, "server_signature": signature.server_signature},
            reason=signature.reason,
        )
    if session is not None and session_user is not None:
        session[SIGNING_SESSION_KEY] = signer.pk
    return signature


@dataclass
class SignedWrite:
    """Inside `signed_change`: the re-authenticated signer, and `sign(record)`."""

    signer: Signer
    request: SignatureRequest
    session_user: Signer | None
    session: SessionBase | None

    def sign(self, record: models.Model, *, version: int | None = None) -> Signature:
        return sign_record(
            record=record,
            request=self.request,
            signer=self.signer,
            session_user=self.session_user,
            session=self.session,
            version=version,
        )


@contextmanager
def signed_change(
    *,
    actor: Any,
    reason: str,
    signature: SignatureRequest,
    session: SessionBase | None = None,
) -> Iterator[SignedWrite]:
    """The idiom of a service that writes records and signs them, in one transaction.

        with signed_change(actor=..., reason=..., signature=..., session=...) as signed:
            record = Model.objects.create(...)
            signed.sign(record)

    The signer is re-authenticated first (the lock order: the account's throttle row
    before the chain lock), then the writes are attributed to `actor` with `reason`; a
    failed signing leaves nothing written (SignatureFailed, 403).
    """
    check_request(signature)
    session_user = actor if session is not None else None
    with transaction.atomic():
        signer = reauthenticate_signer(signature, session_user=session_user, session=session)
        writer = actor
        if getattr(actor, "is_service_account", False) and signer.pk != actor.pk:
            # Acting for a person (API.md): an integration account's token carried the
            # signer's signature. The writes are the signer's; the chain records the channel
            # beside them, under the same request id.
            writer = signer
            with audit_context(actor=actor, reason=reason):
                append_event(
                    actor=actor,
                    action=AuditAction.SECURITY,
                    table="security",
                    pk=signer.username,
                    changes={"event": "signature_carried", "via": actor.username},
                    reason=reason,
                )
        with audit_context(actor=writer, reason=reason):
            yield SignedWrite(signer, signature, session_user, session)
