"""A throw-away database for a benchmark run, migrated like the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import django


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("LEDGERLINE_TEST_DB", "bench_ledgerline")
    django.setup()


@contextmanager
def bench_database() -> Iterator[str]:
    """Create `bench_ledgerline` from the TimescaleDB template, migrate, drop it afterwards."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)


def steady_state(*tables: str) -> None:
    """The state a running historian keeps (autovacuum): the rows just loaded vacuumed and
    analysed, so plans are made from statistics rather than timed while autovacuum catches
    up with a fresh table."""
    from django.db import connection

    from historian import rollups

    rollups.drain_all()  # the background drain keeps up with a running historian
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) historian_rollup_pending")
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
