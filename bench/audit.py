"""Audit benchmarks (issue: audit trail and electronic signatures).

1. Audited write overhead: median time of an audited write (capture trigger,
   event, history row, sealing under the chain lock) minus the same write into
   an equivalent table without audit triggers. Target ≤ 1 ms (historian speed issue);
   one round trip of the same run beside it.
2. Verification rate on 1,000,000 events, for `audit_verify` (in-app, from the
   database) and for the standalone verifier on an export. Target ≥ 50,000/s.
   Baseline of the same run: reading the same events without verifying them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from tqdm import tqdm

WRITES = int(os.environ.get("BENCH_AUDIT_WRITES", "1500"))
EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))


def _timed(fn: Any, *args: Any) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def write_overhead() -> dict[str, float]:
    from django.db import connection, transaction

    from accounts import roles as R
    from accounts.services import user_create
    from audit.actors import SystemActor
    from audit.context import audit_context
    from tests.testapp.models import PlainSpecimen, Specimen

    user, _ = user_create(
        actor=SystemActor("system:bench"),
        username="bench-writer",
        full_name="Bench Writer",
        roles=[R.PROCESS_ENGINEER],
        reason="bench",
    )

    def audited_insert(i: int) -> None:
        with audit_context(actor=user, reason=""):
            Specimen.objects.create(name=f"s{i}", value=float(i), note="bench")

    def plain_insert(i: int) -> None:
        with transaction.atomic():
            PlainSpecimen.objects.create(name=f"s{i}", value=float(i), note="bench")

    def audited_update(i: int) -> None:
        with audit_context(actor=user, reason="bench update"):
            Specimen.objects.filter(pk=ids[i % len(ids)]).update(value=float(i) + 0.5)

    def plain_update(i: int) -> None:
        with transaction.atomic():
            PlainSpecimen.objects.filter(pk=plain_ids[i % len(plain_ids)]).update(value=i + 0.5)

    for i in range(100):  # warm up both paths
        audited_insert(-i)
        plain_insert(-i)
    a_ins, p_ins, a_upd, p_upd = [], [], [], []
    for i in tqdm(range(WRITES), desc="inserts", unit="write", leave=False):
        a_ins.append(_timed(audited_insert, i))
        p_ins.append(_timed(plain_insert, i))
    ids = list(Specimen.objects.values_list("pk", flat=True))
    plain_ids = list(PlainSpecimen.objects.values_list("pk", flat=True))
    for i in tqdm(range(WRITES), desc="updates", unit="write", leave=False):
        a_upd.append(_timed(audited_update, i))
        p_upd.append(_timed(plain_update, i))

    def round_trip(i: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [i])

    trips = [_timed(round_trip, i) for i in range(WRITES)]
    ms = 1000.0
    return {
        "round_trip_ms": statistics.median(trips) * ms,
        "insert_audited_ms": statistics.median(a_ins) * ms,
        "insert_plain_ms": statistics.median(p_ins) * ms,
        "update_audited_ms": statistics.median(a_upd) * ms,
        "update_plain_ms": statistics.median(p_upd) * ms,
    }


GUARDS = ("audit_event_unsealed_insert", "audit_event_sealed_at_commit")


def fill_chain(count: int) -> None:
    """Append `count` sealed security events straight into the chain with COPY.

    The database refuses inserts that carry seal values (audit_event_unsealed_insert), so the
    benchmark writes them as the superuser with the insert guards off for the moment of the
    COPY: what it measures is verification, not sealing.
    """
    from audit.canonical import GENESIS_HASH, canonical_text, event_hash
    from audit.chain import CHAIN_LOCK_KEY
    from core.request_context import new_request_id
    from tests.dbadmin import superuser_cursor

    with superuser_cursor() as cur:
        for trigger in GUARDS:
            cur.execute(f"ALTER TABLE audit_event DISABLE TRIGGER {trigger}")
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        cur.execute("SELECT clock_timestamp()")
        now = cur.fetchone()[0]
        cur.execute(
            "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        head = cur.fetchone()
        seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)
        columns = (
            "seq, occurred_at, txid, actor_id, actor_username, action, table_name, "
            "record_pk, changes, reason, request_id, prev_hash, hash"
        )
        with cur.copy(f"COPY audit_event ({columns}) FROM STDIN") as copy:
            for i in tqdm(range(count), desc="filling the chain", unit="event", leave=False):
                seq += 1
                changes = {
                    "event": "login",
                    "ip": f"10.0.{i % 250}.{i % 7}",
                    "agent": "bench",
                    "n": i,
                    "ok": i % 3 != 0,
                }
                event = {
                    "seq": seq,
                    "occurred_at": now,
                    "actor": {"id": None, "username": f"user{i % 50}"},
                    "action": "security",
                    "table": "security",
                    "pk": f"user{i % 50}",
                    "changes": changes,
                    "reason": "",
                    "request_id": new_request_id(),
                    "prev_hash": prev,
                }
                digest = event_hash(event)
                copy.write_row(
                    (
                        seq,
                        now,
                        0,
                        None,
                        event["actor"]["username"],
                        "security",
                        "security",
                        event["pk"],
                        canonical_text(changes),
                        "",
                        event["request_id"],
                        prev,
                        digest,
                    )
                )
                prev = digest
        for trigger in GUARDS:
            cur.execute(f"ALTER TABLE audit_event ENABLE ALWAYS TRIGGER {trigger}")


def verification_rates() -> dict[str, float]:
    from django.db import connection, transaction

    from audit.database_verification import verify_database
    from audit.export import iter_events, write_export

    fill_chain(EVENTS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_event")
        total = cursor.fetchone()[0]

    def read_only() -> None:
        with transaction.atomic():
            sum(1 for _ in iter_events())

    baseline = _timed(read_only)
    result_box: list[Any] = []
    in_app = _timed(lambda: result_box.append(verify_database()))
    result = result_box[0]

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "export.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            export_s = _timed(lambda: write_export(out))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "audit.verify", path],
            capture_output=True,
            text=True,
            check=False,
        )
        standalone = time.perf_counter() - started
        size = os.path.getsize(path)
    return {
        "events": float(total),
        "ok": float(result.ok and done.returncode == 0),
        "read_only_s": baseline,
        "audit_verify_s": in_app,
        "export_s": export_s,
        "standalone_s": standalone,
        "export_mb": size / 1e6,
        "standalone_line": done.stdout.splitlines()[0][:90] if done.stdout else "",  # type: ignore[dict-item]
    }


def run() -> None:
    print("== audit: audited write overhead ==")
    w = write_overhead()
    ins = w["insert_audited_ms"] - w["insert_plain_ms"]
    upd = w["update_audited_ms"] - w["update_plain_ms"]
    print(
        f"insert: audited {w['insert_audited_ms']:.3f} ms, plain {w['insert_plain_ms']:.3f} ms"
        f" -> overhead {ins:.3f} ms (target <= 1 ms); ratio "
        f"{w['insert_audited_ms'] / w['insert_plain_ms']:.2f}x"
    )
    print(
        f"update: audited {w['update_audited_ms']:.3f} ms, plain {w['update_plain_ms']:.3f} ms"
        f" -> overhead {upd:.3f} ms (target <= 1 ms); ratio "
        f"{w['update_audited_ms'] / w['update_plain_ms']:.2f}x"
    )
    print(
        f"one round trip to the database (SELECT through Django's cursor): "
        f"{w['round_trip_ms']:.3f} ms; an audited write makes three more than a plain one "
        f"(its context, the seal's start and its end)"
    )
    print(f"== audit: verification of {EVENTS:,} events ==")
    v = verification_rates()
    n = v["events"]
    print(f"chain: {int(n):,} events, verified ok: {bool(v['ok'])} ({v['standalone_line']})")
    print(
        f"baseline, reading the events only: {v['read_only_s']:.1f} s "
        f"({n / v['read_only_s']:,.0f} events/s)"
    )
    print(
        f"audit_verify (in-app, from the database): {v['audit_verify_s']:.1f} s -> "
        f"{n / v['audit_verify_s']:,.0f} events/s (target >= 50,000); "
        f"{v['read_only_s'] / v['audit_verify_s']:.2f} of the read-only rate"
    )
    print(
        f"standalone python -m audit.verify: {v['standalone_s']:.1f} s -> "
        f"{n / v['standalone_s']:,.0f} events/s (target >= 50,000), "
        f"export {v['export_mb']:.0f} MB written in {v['export_s']:.1f} s"
    )
    sys.stdout.flush()
