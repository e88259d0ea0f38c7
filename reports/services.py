"""Rendering reports: each a document with an id, rendered (now, or on the background queue),
signed (PAdES), kept, and recorded in the audit trail by an event of action `report` carrying
the document id, the content manifest's SHA-256 and the delivered file's SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actors import actor_identity
from audit.context import audit_context
from audit.events import append_event
from core.errors import DomainError
from reports import signing
from reports.builders import BUILDERS
from reports.models import Document
from reports.pdf import Stamp, manifest_sha256, render


def new_document_id() -> str:
    return f"RPT-{timezone.now():%Y%m%d}-{secrets.token_hex(5).upper()}"


def _printed(actor: Any) -> tuple[str, str]:
    username = actor_identity(actor)[1]
    full = getattr(actor, "full_name", "") or ""
    return username, (f"{full} ({username})" if full else username)


def request(*, actor: Any, kind: str, params: dict[str, Any]) -> tuple[Document, Any]:
    """A document waiting to be rendered, after checking what it asks for (400/403/404
    before anything is stored); and the resolved target."""
    builder = BUILDERS.get(kind)
    if builder is None:
        raise DomainError(f"No report {kind!r}.", fields={"kind": ", ".join(BUILDERS)})
    target = builder.resolve(params, actor)
    username, printed = _printed(actor)
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        document = Document.objects.create(
            document_id=new_document_id(), kind=kind, params=params, requested_by=username,
            requested_name=printed, state=Document.State.QUEUED,
        )  # fmt: skip
    return document, target


def _progress(actor: Any, document: Document, share: float) -> None:
    with transaction.atomic(), audit_context(actor=actor, reason="rendering"):
        Document.objects.filter(pk=document.pk).update(progress=round(share, 3))


def complete(*, actor: Any, document: Document, target: Any = None) -> Document:
    """Render, sign and keep the document; its `report` audit event in the same transaction.
    A failure is recorded on the document (and raised)."""
    builder = BUILDERS[document.kind]
    try:
        if target is None:
            target = builder.resolve(document.params, actor)
        content = builder.build(target, lambda share: _progress(actor, document, 0.8 * share))
        generated_at = timezone.now()
        digest = manifest_sha256(content.manifest)
        stamp = Stamp(document.document_id, document.requested_name, generated_at, digest)
        pdf, pages = render(content, stamp)
        signed = signing.sign(pdf, reason=f"{content.title} — document {document.document_id}")
    except Exception as exc:
        with transaction.atomic(), audit_context(actor=actor, reason="rendering failed"):
            Document.objects.filter(pk=document.pk).update(
                state=Document.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise
    file_sha256 = hashlib.sha256(signed).hexdigest()
    with transaction.atomic(), audit_context(actor=actor, reason="report rendered and signed"):
        locked = Document.objects.select_for_update().get(pk=document.pk)
        locked.title, locked.pdf, locked.pages = content.title, signed, pages
        locked.manifest_sha256, locked.file_sha256 = digest, file_sha256
        locked.state, locked.progress, locked.generated_at = Document.State.DONE, 1.0, generated_at
        locked.save()
        append_event(
            actor=actor, action="report", table="reports_document", pk=locked.document_id,
            changes={"document_id": locked.document_id, "kind": locked.kind,
                     "params": locked.params, "title": locked.title,
                     "manifest_sha256": digest, "file_sha256": file_sha256, "pages": pages},
            reason="report rendered and signed",
        )  # fmt: skip
    return locked


def render_now(*, actor: Any, kind: str, params: dict[str, Any]) -> Document:
    document, target = request(actor=actor, kind=kind, params=params)
    return complete(actor=actor, document=document, target=target)
