"""`ingest_samples`: the checks in API.md's order (key reuse, invalid items, conflicts), the
rejections recorded, then the accepted samples stored (writer.py) under one ingest batch row
and its audit event. The package docstring (historian/ingest/__init__.py) has the whole path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from django.db import IntegrityError
from django.utils import timezone

from audit.services import record_security_event
from core.deferred import raise_with
from historian.errors import IdempotencyMismatch, IngestConflict, IngestUnprocessable
from historian.ingest.samples import tag_map, validate
from historian.ingest.writer import store
from historian.models import IngestBatch


@dataclass(frozen=True)
class IngestResult:
    status: int  # 201 stored, 200 replay
    body: dict[str, Any]


def _rejected(
    actor: Any,
    *,
    status: int,
    code: str,
    detail: str,
    source: str,
    ingest_key: str,
    payload_sha256: str,
    count: int,
) -> list[Any]:
    def record() -> None:
        record_security_event(
            actor=actor,
            event="ingest_rejected",
            subject=printable(str(ingest_key), 150),
            details={
                "status": status,
                "error": code,
                "detail": printable(detail, 500),
                "source": printable(str(source), 200),
                "payload_sha256": payload_sha256,
                "items": count,
            },
        )

    return [record]


SOURCE_MAX = 200
INGEST_KEY_MAX = 300


def _request_field_problems(source: Any, ingest_key: Any) -> dict[str, str]:
    """What is wrong with a request's source and ingest key (both required, stored as text)."""
    fields = {}
    for name, value, limit in (
        ("source", source, SOURCE_MAX),
        ("ingest_key", ingest_key, INGEST_KEY_MAX),
    ):
        if not isinstance(value, str) or not value:
            fields[name] = f"{name} is required (text)"
        elif len(value) > limit:
            fields[name] = f"{name} is at most {limit} characters"
        elif "\x00" in value:
            fields[name] = f"{name} cannot hold the NUL character (U+0000)"
    return fields


def printable(text: str, limit: int) -> str:
    """Text as the audit trail can store it: NUL characters shown as U+FFFD, cut to `limit`."""
    return text.replace("\x00", "\ufffd")[:limit]


def ingest_samples(
    *, actor: Any, source: str, ingest_key: str, items: Any, payload_sha256: str = ""
) -> IngestResult:
    """Validate and store samples; returns 201 with the digest, or 200 and the first body
    for a replay. Raises IdempotencyMismatch, IngestUnprocessable or IngestConflict (each
    recorded as a rejected ingest after the rollback)."""
    count = len(items) if isinstance(items, list) else 0

    def reject(exc: Exception, status: int) -> NoReturn:
        raise_with(
            exc,
            _rejected(
                actor,
                status=status,
                code=getattr(exc, "code", "invalid"),
                detail=str(exc),
                source=source,
                ingest_key=ingest_key,
                payload_sha256=payload_sha256,
                count=count,
            ),
        )
        raise AssertionError("raise_with raises")

    fields = _request_field_problems(source, ingest_key)
    if fields:
        reject(IngestUnprocessable("; ".join(fields.values()), fields=fields), 422)
    tags = tag_map(items)
    samples, problems = validate(items, tags, timezone.now())
    previous = IngestBatch.objects.filter(account=actor, ingest_key=ingest_key).first()
    if previous is not None:
        if problems or samples.digest() != previous.request_sha256:
            reject(
                IdempotencyMismatch(
                    f"ingest_key {ingest_key!r} was used before with a different request"
                ),
                409,
            )
        return IngestResult(200, previous.response)
    if problems:
        reject(
            IngestUnprocessable(f"{len(problems)} item(s) cannot be stored", items=problems), 422
        )
    requested = samples.digest()
    try:
        body = store(
            actor=actor,
            source=source,
            ingest_key=ingest_key,
            samples=samples,
            requested=requested,
        )
        return IngestResult(201, body)
    except IngestConflict as exc:
        reject(exc, 409)
    except IntegrityError:
        # The same key committed by a concurrent request meanwhile: answer as a replay.
        previous = IngestBatch.objects.filter(account=actor, ingest_key=ingest_key).first()
        if previous is None or previous.request_sha256 != requested:
            raise
        return IngestResult(200, previous.response)
