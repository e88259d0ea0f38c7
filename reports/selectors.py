"""Report reads: a job's state, and a verification's answer."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from audit.canonical import format_ts
from reports import signing
from reports.models import Document


def job_json(document: Document) -> dict[str, Any]:
    return {
        "job": document.document_id,
        "document_id": document.document_id,
        "kind": document.kind,
        "state": document.state,
        "progress": document.progress,
        "title": document.title or None,
        "pages": document.pages,
        "error": document.error or None,
        "manifest_sha256": document.manifest_sha256 or None,
        "file_sha256": document.file_sha256 or None,
        "generated_at": format_ts(document.generated_at) if document.generated_at else None,
    }


def _stamp(pdf: bytes) -> dict[str, str]:
    """What the PDF says of itself (its metadata, as Ledgerline wrote it)."""
    from pypdf import PdfReader

    try:
        info: Any = PdfReader(BytesIO(pdf)).metadata or {}
    except Exception:  # an unreadable file says nothing
        return {}
    found = {}
    for part in str(info.get("/Keywords", "")).split(";"):
        key, _, value = part.strip().partition("=")
        if key in {"document_id", "manifest_sha256", "generated_at"}:
            found[key] = value
    found["generated_by"] = str(info.get("/Author", ""))
    return found


def verification(pdf: bytes) -> dict[str, Any]:
    """API.md's verdict: authentic (signed by the report certificate), unchanged (the signature
    covers the whole file), and the document's id, author and time."""
    verdict = signing.verify(pdf)
    stamp = _stamp(pdf)
    known = (
        Document.objects.defer("pdf").filter(document_id=stamp.get("document_id", "")).first()
        if stamp.get("document_id") else None
    )  # fmt: skip
    return {
        "authentic": verdict.authentic,
        "unchanged": verdict.unchanged,
        "document_id": stamp.get("document_id") or None,
        "generated_by": stamp.get("generated_by") or None,
        "generated_at": stamp.get("generated_at") or None,
        "signed_by": verdict.signed_by,
        "recorded": known is not None,  # the installation rendered a document of that id
        "problem": verdict.problem or None,
    }
