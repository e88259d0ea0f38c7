"""The one ingest service: REST, the simulator and collectors all call `ingest_samples`.

Checks run in the order of API.md: a key already used with a different request
→ 409 `idempotency_mismatch`; invalid items → 422; conflicts with stored data
→ 409 `conflict`. Then the samples are written with COPY: optimistically
straight into the hypertable, and only when the unique (tag, ts) index objects
through a staging table that tells duplicates (counted, not stored again) from
conflicts (nothing stored). One ingest batch row — and so one audit event,
carrying the digest — per request; rollups of the touched minutes refreshed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.canonical import format_ts
from audit.context import audit_context
from audit.services import record_security_event
from core.deferred import raise_with
from historian.digest import (
    QUALITY_CODES,
    QUALITY_NAMES,
    canonical_value,
    digest_lines,
    sample_line,
)
from historian.errors import IdempotencyMismatch, IngestConflict, IngestUnprocessable
from historian.models import IngestBatch, Tag
from historian.signals import samples_stored

FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_EXACT_INT = 2**53
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class IngestResult:
    status: int  # 201 stored, 200 replay
    body: dict[str, Any]


@dataclass(slots=True)
class Sample:
    index: int
    tag: str
    tag_id: int
    value_type: str
    ts: datetime
    ts_text: str
    minute: datetime
    value_num: float | None
    value_str: str | None
    value_canonical: str
    quality: str
    line: str  # the canonical line of the digest


def parse_ts(text: Any) -> tuple[datetime, str] | str:
    """(UTC datetime, canonical text), or why not: an offset is required, µs at most."""
    if not isinstance(text, str):
        return "a timestamp is an ISO 8601 string"
    match = _TS.match(text)
    if match is None:
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$", text):
            return "the timestamp has no offset: add Z or ±HH:MM"
        return "not an ISO 8601 timestamp with an offset (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)"
    fraction = match.group(1)
    if fraction is not None and len(fraction) > 6:
        return "finer than microseconds: at most 6 fractional digits"
    try:
        value = datetime.fromisoformat(text).astimezone(UTC)
    except ValueError as exc:
        return f"not a valid timestamp: {exc}"
    except OverflowError:
        return "out of range: in UTC the timestamp must fall in the years 1 to 9999"
    return value, format_ts(value)


def coerce_value(
    value_type: str, value: Any, quality: str
) -> tuple[float | None, str | None] | str:
    """(value_num, value_str) for storage, or why the value does not fit the tag."""
    if value is None:
        return (None, None) if quality == "bad" else "null is allowed only with quality bad"
    if value_type == "string":
        if not isinstance(value, str):
            return "this tag takes text"
        if "\x00" in value:
            return "text cannot hold the NUL character (U+0000)"
        return None, value
    if isinstance(value, bool):
        if value_type == "bool":
            return (1.0 if value else 0.0), None
        return "this tag takes numbers, not true/false"
    if value_type == "bool":
        return "this tag takes true or false"
    if not isinstance(value, int | float):
        return f"this tag takes {'integers' if value_type == 'int' else 'numbers'}"
    if value_type == "int" and isinstance(value, int) and abs(value) > MAX_EXACT_INT:
        return f"integers are stored exactly up to ±2^53 ({MAX_EXACT_INT})"
    try:
        number = float(value)
    except OverflowError:
        return "the number is beyond the range of a double (±1.8e308)"
    if not math.isfinite(number):
        if quality != "bad":
            return "a non-finite value (NaN, inf) is allowed only with quality bad"
        if value_type == "int":
            return "this tag takes integers"
        return number, None
    if value_type == "int":
        if isinstance(value, float) and not value.is_integer():
            return "this tag takes integers (12 or 12.0)"
        if abs(int(value)) > MAX_EXACT_INT:
            return f"integers are stored exactly up to ±2^53 ({MAX_EXACT_INT})"
        return float(int(value)), None
    return number, None


def validate(
    items: Any, tags: dict[str, tuple[int, str]], now: datetime
) -> tuple[list[Sample], list[dict[str, Any]]]:
    """Samples (identical repeats counted once) and the 422 items, by index.

    A collector sends many tags per timestamp: each distinct timestamp text is
    parsed once per request.
    """
    problems: list[dict[str, Any]] = []
    if not isinstance(items, list):
        return [], [{"index": None, "field": "samples", "error": "samples is a list"}]
    latest = now + FUTURE_TOLERANCE
    times: dict[Any, tuple[datetime, str, datetime] | str] = {}
    seen: dict[tuple[int, str], Sample] = {}
    samples: list[Sample] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append({"index": index, "field": None, "error": "an item is an object"})
            continue
        tag_name = item.get("tag")
        if not isinstance(tag_name, str):
            problems.append({"index": index, "field": "tag", "error": "tag is a tag's name"})
            continue
        tag = tags.get(tag_name)
        if tag is None:
            problems.append({"index": index, "field": "tag", "error": f"unknown tag {tag_name!r}"})
            continue
        quality = item.get("quality", "good")
        if not isinstance(quality, str) or quality not in QUALITY_CODES:
            problems.append(
                {"index": index, "field": "quality", "error": "quality is good, uncertain or bad"}
            )
            continue
        raw_ts = item.get("ts")
        when = times.get(raw_ts) if isinstance(raw_ts, str) else None
        if when is None:
            parsed = parse_ts(raw_ts)
            if isinstance(parsed, str):
                when = parsed
            elif parsed[0] > latest:
                when = "more than 5 minutes in the future"
            else:
                when = (parsed[0], parsed[1], parsed[0].replace(second=0, microsecond=0))
            if isinstance(raw_ts, str):
                times[raw_ts] = when
        if isinstance(when, str):
            problems.append({"index": index, "field": "ts", "error": when})
            continue
        ts, ts_text, minute = when
        if "value" not in item:
            problems.append({"index": index, "field": "value", "error": "value is required"})
            continue
        tag_id, value_type = tag
        value = item["value"]
        value_num: float | None
        value_str: str | None
        if value_type == "float" and type(value) is float and math.isfinite(value):
            value_num, value_str, canonical = value, None, repr(value)  # the common case
        else:
            coerced = coerce_value(value_type, value, quality)
            if isinstance(coerced, str):
                problems.append({"index": index, "field": "value", "error": coerced})
                continue
            value_num, value_str = coerced
            canonical = canonical_value(value_type, value_num, value_str)
        key = (tag_id, ts_text)
        earlier = seen.get(key)
        if earlier is not None:
            if (earlier.value_canonical, earlier.quality) != (canonical, quality):
                problems.append(
                    {
                        "index": index,
                        "field": "value",
                        "error": f"differs from item {earlier.index} for the same tag and "
                        "timestamp",
                    }
                )
            continue
        sample = Sample(
            index,
            tag_name,
            tag_id,
            value_type,
            ts,
            ts_text,
            minute,
            value_num,
            value_str,
            canonical,
            quality,
            sample_line(tag_name, ts_text, canonical, quality),
        )
        seen[key] = sample
        samples.append(sample)
    return samples, problems


def request_digest(samples: list[Sample]) -> str:
    return digest_lines(sorted(s.line for s in samples))


def _tag_map(items: Any) -> dict[str, tuple[int, str]]:
    names = (
        {
            item.get("tag")
            for item in items
            if isinstance(item, dict) and isinstance(item.get("tag"), str)
        }
        if isinstance(items, list)
        else set()
    )
    return {
        name: (pk, value_type)
        for pk, name, value_type in Tag.objects.filter(name__in=names).values_list(
            "pk", "name", "value_type"
        )
    }


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
    tags = _tag_map(items)
    samples, problems = validate(items, tags, timezone.now())
    previous = IngestBatch.objects.filter(account=actor, ingest_key=ingest_key).first()
    if previous is not None:
        if problems or request_digest(samples) != previous.request_sha256:
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
    try:
        return _store(
            actor=actor,
            source=source,
            ingest_key=ingest_key,
            samples=samples,
            requested=request_digest(samples),
        )
    except IngestConflict as exc:
        reject(exc, 409)
    except IntegrityError:
        # The same key committed by a concurrent request meanwhile: answer as a replay.
        previous = IngestBatch.objects.filter(account=actor, ingest_key=ingest_key).first()
        if previous is None or previous.request_sha256 != request_digest(samples):
            raise
        return IngestResult(200, previous.response)


def _store(
    *, actor: Any, source: str, ingest_key: str, samples: list[Sample], requested: str
) -> IngestResult:
    with audit_context(actor=actor, reason=""):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('historian_ingest_batch', 'id'))")
            batch_id = int(cursor.fetchone()[0])
        _permit(batch_id, {s.tag_id for s in samples})
        accepted, duplicates = _write(samples, batch_id)
        # All accepted: the digest of the stored samples is the request's.
        digest = requested if not duplicates else digest_lines(sorted(s.line for s in accepted))
        body = {
            "ingest_id": batch_id,
            "accepted": len(accepted),
            "duplicates": duplicates,
            "sha256": digest,
        }
        IngestBatch.objects.create(
            id=batch_id,
            source=source,
            ingest_key=ingest_key,
            account=actor,
            request_sha256=requested,
            sample_count=len(accepted),
            duplicate_count=duplicates,
            first_ts=min((s.ts for s in accepted), default=None),
            last_ts=max((s.ts for s in accepted), default=None),
            sha256=digest,
            tag_ids=sorted({s.tag_id for s in accepted}),
            response=body,
        )
        _refresh_rollups(accepted)
        if accepted:
            announcement = {
                "ingest_id": batch_id,
                "tags": sorted({s.tag for s in accepted}),
                "start": min(s.ts for s in accepted),
                "end": max(s.ts for s in accepted),
            }
            transaction.on_commit(
                # robust: a receiver that fails is logged; what was stored stays acknowledged
                lambda: samples_stored.send(sender=IngestBatch, **announcement),
                robust=True,
            )
    return IngestResult(201, body)


def _permit(batch_id: int, tag_ids: set[int]) -> None:
    """Take this transaction's permit to store samples of these tags under the batch
    (historian_ingest_permit: the hypertable refuses samples without one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO historian_ingest_permit (batch_id, tag_id) "
            "SELECT %s, unnest(%s::integer[])",
            [batch_id, sorted(tag_ids)],
        )


def _copy_rows(
    cursor: Any, table: str, samples: list[Sample], batch_id: int, with_index: bool = False
) -> None:
    columns = "ts, value_num, tag_id, batch_id, quality, value_text"
    types = ["timestamptz", "float8", "int4", "int4", "int2", "text"]
    if with_index:
        columns += ", idx"
        types.append("int4")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for s in samples:
            row = (s.ts, s.value_num, s.tag_id, batch_id, QUALITY_CODES[s.quality], s.value_str)
            copy.write_row((*row, s.index) if with_index else row)


def _write(samples: list[Sample], batch_id: int) -> tuple[list[Sample], int]:
    """COPY the samples; returns (newly stored, duplicates). Raises IngestConflict."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        with transaction.atomic(), raw.cursor() as cursor:
            _copy_rows(cursor, "historian_sample", samples, batch_id)
        return samples, 0
    except psycopg.errors.UniqueViolation:  # some (tag, ts) is stored already: sort them out
        return _write_staged(samples, batch_id)


def _write_staged(samples: list[Sample], batch_id: int) -> tuple[list[Sample], int]:
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS historian_stage "
            "(LIKE historian_sample INCLUDING DEFAULTS, idx integer) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE historian_stage")
        _copy_rows(cursor, "historian_stage", samples, batch_id, with_index=True)
        cursor.execute(
            "SELECT st.idx, s.value_num, s.value_text, s.quality FROM historian_stage st "
            "JOIN historian_sample s ON s.tag_id = st.tag_id AND s.ts = st.ts"
        )
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
        by_index = {s.index: s for s in samples}
        conflicts = []
        for index, (value_num, value_str, quality) in stored.items():
            sample = by_index[index]
            old_value = canonical_value(sample.value_type, value_num, value_str)
            old_quality = QUALITY_NAMES[quality]
            if (old_value, old_quality) != (sample.value_canonical, sample.quality):
                conflicts.append(
                    {
                        "index": index,
                        "field": "value",
                        "error": f"conflicts with the stored sample ({old_value}, "
                        f"{old_quality}) at {sample.ts_text}",
                    }
                )
        if conflicts:
            raise IngestConflict(
                f"{len(conflicts)} sample(s) conflict with stored originals",
                items=sorted(conflicts, key=lambda c: c["index"]),
            )
        cursor.execute(
            "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id, quality, value_text) "
            "SELECT ts, value_num, tag_id, batch_id, quality, value_text FROM historian_stage "
            "WHERE NOT (idx = ANY(%s))",
            [list(stored)],
        )
        cursor.execute("TRUNCATE historian_stage")
    accepted = [s for s in samples if s.index not in stored]
    return accepted, len(stored)


def _refresh_rollups(samples: list[Sample]) -> None:
    pairs = {(s.tag_id, s.minute) for s in samples if s.value_type != "string"}
    if not pairs:
        return
    refresh_rollups(pairs)


def refresh_rollups(pairs: set[tuple[int, datetime]]) -> None:
    """Recompute the minute rollups of these (tag, minute) pairs, then their hours, through
    the database's one rollup writer (historian_refresh_rollups)."""
    tags, buckets = zip(*sorted(pairs), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT historian_refresh_rollups(%s::integer[], %s::timestamptz[])",
            [list(tags), list(buckets)],
        )


def csv_items(text: str) -> list[dict[str, Any]]:
    """The items of a `text/csv` ingest body (header `tag,ts,value,quality`, quality optional).

    Values are typed by their tag: numbers, `nan`/`inf`, `true`/`false`/`1`/`0`, text;
    an empty value is null. What does not convert stays text and is refused by the
    tag's type check, with its row index (data rows count from 0)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if (
        header[:3] != ["tag", "ts", "value"]
        or len(header) > 4
        or (len(header) == 4 and header[3] != "quality")
    ):
        raise IngestUnprocessable(
            "the CSV header is tag,ts,value[,quality]", fields={"header": ",".join(header)}
        )
    rows = list(reader)
    names = {row[0] for row in rows if row}
    types = dict(Tag.objects.filter(name__in=names).values_list("name", "value_type"))
    items: list[dict[str, Any]] = []
    for row in rows:
        if not row:
            continue
        cells = row + [""] * (len(header) - len(row))
        item: dict[str, Any] = {
            "tag": cells[0],
            "ts": cells[1],
            "value": _csv_value(types.get(cells[0]), cells[2]),
        }
        if len(header) == 4 and cells[3]:
            item["quality"] = cells[3]
        items.append(item)
    return items


def _csv_value(value_type: str | None, text: str) -> Any:
    if text == "":
        return None
    try:
        if value_type == "float":
            return float(text)
        if value_type == "int":
            number = float(text)
            return int(number) if number.is_integer() else number
        if value_type == "bool":
            lowered = text.strip().lower()
            if lowered in {"true", "1"}:
                return True
            if lowered in {"false", "0"}:
                return False
    except ValueError:
        return text
    return text
