"""What the historian benchmarks share: sizes, the start of their data, tags, accounts,
samples in time order, a bare hypertable for the COPY baseline, a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

INGEST_SAMPLES = int(os.environ.get("BENCH_INGEST_SAMPLES", "2000000"))
INGEST_TAGS = 200
BATCH = int(os.environ.get("BENCH_INGEST_BATCH", "10000"))
REST_SAMPLES = int(os.environ.get("BENCH_REST_SAMPLES", "400000"))
QUERY_DAYS = int(os.environ.get("BENCH_QUERY_DAYS", "30"))
QUERY_TAGS = 10
START = datetime(2026, 1, 1, tzinfo=UTC)


def bench_tags(prefix: str, count: int) -> list[Any]:
    from audit.actors import SystemActor
    from historian.services import tag_create

    actor = SystemActor("system:bench")
    return [
        tag_create(actor=actor, name=f"{prefix}.T{i:03d}", equipment=f"BENCH/{prefix}")
        for i in range(count)
    ]


def bench_account(name: str) -> tuple[Any, str]:
    from accounts.services import service_account_create, token_issue
    from audit.actors import SystemActor

    actor = SystemActor("system:bench")
    account = service_account_create(actor=actor, username=name, full_name=name, reason="bench")
    _, key = token_issue(actor=actor, user=account, name="bench", reason="bench")
    return account, key


def time_ordered_items(tag_names: list[str], first_second: int, count: int) -> list[dict[str, Any]]:
    """`count` samples in time order: every tag at each second, round values."""
    items = []
    per_second = len(tag_names)
    for n in range(first_second * per_second, first_second * per_second + count):
        second, tag = divmod(n, per_second)
        ts = START + timedelta(seconds=second)
        items.append(
            {
                "tag": tag_names[tag],
                "ts": ts.isoformat().replace("+00:00", "Z"),
                "value": round(10 + (n % 997) / 100.0, 3),
            }
        )
    return items


def copy_table(name: str) -> None:
    """A bare hypertable with the sample store's chunking and unique index (no triggers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {name} (LIKE historian_sample INCLUDING DEFAULTS)")
        cursor.execute(
            f"SELECT create_hypertable('{name}', by_range('ts', INTERVAL '1 day'), "
            "create_default_indexes => false)"
        )
        cursor.execute(f"CREATE UNIQUE INDEX ON {name} (tag_id, ts)")


def copy_rows(table: str, rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    from historian.ingest.writer import COLUMNS

    raw = connection.connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["timestamptz", "float8", "int4", "int4", "int2", "text"])
        for row in rows:
            copy.write_row(row)
    raw.commit()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server (or worker) the benchmarks start against their database,
    as the runtime role, in production settings."""
    from django.db import connection

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "LEDGERLINE_DB_ROLE": "runtime",
        "DATABASE_URL": f"{base}/{connection.settings_dict['NAME']}",
        "DJANGO_DEBUG": "false",
        **extra,
    }


def serving(port: int, seconds: float = 30) -> bool:
    """Wait until the server on `port` answers its status page; whether it did in time."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status/", timeout=1)
            return True
        except OSError:
            time.sleep(0.2)
    return False


def start_gunicorn(port: int, *, own_group: bool = False, **extra: str) -> subprocess.Popen[bytes]:
    """The production server (deploy/production/gunicorn.conf.py, a worker per core) on
    `port`, as the runtime role, against the benchmark's database (or the `DATABASE_URL` in
    `extra`, which is added to its environment); not yet waited for. With `own_group`, in a
    process group of its own, so a signal to it reaches the workers too."""
    env = server_env(LEDGERLINE_BIND=f"127.0.0.1:{port}", LEDGERLINE_LOG_LEVEL="WARNING", **extra)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return subprocess.Popen(
        [gunicorn, "-c", "deploy/production/gunicorn.conf.py", "--access-logfile", "/dev/null"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=own_group,
    )  # fmt: skip
