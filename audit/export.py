"""The audit export: everything the standalone verifier needs, as JSON Lines.

A header line, then every event in `seq` order, every signature and
checkpoint row, the current canonical content of every signed record and the
current image of every audited row, so that an edit after signing or a silent
row edit is detectable offline. The header carries the public key(s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from django.db import connection, transaction
from django.utils import timezone

from audit.canonical import canonical_text, format_ts, parse_json
from audit.chain import chain_head
from audit.models import Checkpoint, Signature, SigningKey
from audit.registry import current_states, database_state, declared_tables
from audit.services import checkpoint_event_content
from audit.signing import SignatureFailed, record_content, signature_payload
from audit.verify.events import Segment, check_event, summarize
from audit.verify.export import EXPORT_FORMAT, EXTRACT_FORMAT, EXTRACT_NOTE

BATCH = 5_000
# occurred_at in the canonical form straight from PostgreSQL: the same text that
# format_ts() makes of the value read back, without parsing 10^6 timestamps.
EVENT_SQL = """
    SELECT seq,
           to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           actor_id, actor_username, action, table_name, record_pk,
           changes, reason, request_id, prev_hash, hash
    FROM audit_event WHERE seq IS NOT NULL ORDER BY seq
"""


def audited_tables() -> dict[str, tuple[str, list[str], list[str]]]:
    """Tables captured row by row, as the code declares them (never as the database's triggers
    say): name → (pk column, ignored columns, masked columns)."""
    return {
        name: (table.pk, list(table.ignored), list(table.masked))
        for name, table in sorted(declared_tables().items())
        if table.capture
    }


def _json(value: Any) -> Any:
    """jsonb text from PostgreSQL, parsed as the sealer parsed it."""
    return parse_json(value) if isinstance(value, str) else value


def event_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "type": "event",
        "seq": row[0],
        "occurred_at": row[1],
        "actor": {"id": row[2], "username": row[3]},
        "action": row[4],
        "table": row[5],
        "pk": row[6],
        "changes": _json(row[7]),
        "reason": row[8],
        "request_id": row[9],
        "prev_hash": row[10],
        "hash": row[11],
    }


def check_rows(rows: list[tuple[Any, ...]]) -> Segment:
    """Worker-process step for rows read from the database: build, re-hash and link."""
    return summarize([check_event(event_from_row(row)) for row in rows])


def iter_event_rows(
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """Sealed events as raw rows, in `seq` order, in batches through a server-side cursor
    (inside the caller's transaction: see `snapshot`)."""
    if not connection.in_atomic_block:
        raise RuntimeError("events are read through a server-side cursor: open a transaction")
    with connection.connection.cursor(name="audit_events") as cursor:
        cursor.itersize = BATCH
        cursor.execute(EVENT_SQL)
        count = 0
        while rows := cursor.fetchmany(BATCH):
            count += len(rows)
            if progress is not None:
                progress(count)
            yield rows


def iter_events(progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Sealed events in `seq` order, as the export writes them."""
    for rows in iter_event_rows(progress):
        for row in rows:
            yield event_from_row(row)


def header() -> dict[str, Any]:
    seq, head = chain_head()
    return {
        "type": "header",
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": format_ts(timezone.now()),
        "events": seq,
        "head": head,
        "keys": [
            {"key_id": k.key_id, "public_key_pem": k.public_key_pem}
            for k in SigningKey.objects.order_by("created_at")
        ],
        "audited_tables": sorted(audited_tables()),
    }


def iter_side_items() -> Iterator[dict[str, Any]]:
    signed: dict[tuple[str, str], list[str]] = {}
    for signature in Signature.objects.order_by("id").iterator():
        yield {
            "type": "signature",
            "row": {"id": signature.pk},
            "sealed": {
                **signature_payload(signature),
                "server_signature": signature.server_signature,
            },
        }
        fields = signed.setdefault((signature.record_table, signature.record_pk), [])
        fields.extend(f for f in signature.signed_fields if f not in fields)
    for checkpoint in Checkpoint.objects.order_by("id").iterator():
        yield {"type": "checkpoint", "id": checkpoint.pk, **checkpoint_event_content(checkpoint)}
    for (table, pk), fields in signed.items():
        try:
            content: dict[str, Any] | None = record_content(table, pk, fields)
        except SignatureFailed:  # the record is gone: the verifier reports it
            content = None
        yield {"type": "record", "table": table, "pk": pk, "content": content}
    yield {
        "type": "catalogue",
        **database_state(),
        "declared": {name: t.as_dict() for name, t in sorted(declared_tables().items())},
    }
    for state, subject, value in current_states():
        yield {"type": "state", "state": state, "subject": subject, "value": value}
    for table, (pk_col, ignored, masked) in audited_tables().items():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (to_jsonb(t) ->> %s), audit_row_image(audit_to_jsonb(t), %s, %s)::text "
                f'FROM "{table}" t',
                [pk_col, ignored, masked],
            )
            for pk, image in cursor.fetchall():
                yield {"type": "row", "table": table, "pk": pk, "image": _json(image)}


def pin_formats(cursor: Any) -> None:
    """Row images in the formats the capture trigger uses, whatever the session says."""
    cursor.execute(
        "SELECT set_config('TimeZone', 'UTC', true), set_config('extra_float_digits', '1', true),"
        " set_config('IntervalStyle', 'postgres', true)"
    )


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of chain, tables and rows (REPEATABLE READ when we own the
    transaction)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            pin_formats(cursor)
        yield


def _lines(head: dict[str, Any], progress: Callable[[int], None] | None) -> Iterator[str]:
    yield canonical_text({k: v for k, v in head.items() if k != "type"}) + "\n"
    for item in iter_events(progress):
        yield canonical_text(item) + "\n"
    for item in iter_side_items():
        yield canonical_text(item) + "\n"


def write_export(out: TextIO, progress: Callable[[int], None] | None = None) -> int:
    """Write the export from one consistent snapshot; returns the number of events."""
    with snapshot():
        head = header()
        for line in _lines(head, progress):
            out.write(line)
    return int(head["events"])


def stream_export() -> Iterator[str]:
    """The same export, line by line, for a download (one snapshot while it streams)."""
    with snapshot():
        yield from _lines(header(), None)


def stream_extract(events: Iterable[Any], filters: dict[str, str], count: int) -> Iterator[str]:
    """The events a filter selects, under a header that says plainly what they are: an
    extract for reading, which the offline verifier refuses with a pointer to the full
    export (a selection of a hash chain cannot prove that nothing around it changed)."""
    yield (
        canonical_text(
            {
                "format": EXTRACT_FORMAT,
                "version": 1,
                "exported_at": format_ts(timezone.now()),
                "filters": filters,
                "events": count,
                "verifiable": False,
                "note": EXTRACT_NOTE,
            }
        )
        + "\n"
    )
    for event in events:
        yield canonical_text({**event.as_chain_dict(), "hash": event.hash}) + "\n"
