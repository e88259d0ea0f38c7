"""Fixtures of the read tests: every read test runs as planned and with parallel plans forced;
samples fed through the ingest service; a logged-in reader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import roles as R
from historian.ingest import ingest_samples
from tests.historian.reads.helpers import FORCE_PARALLEL


@pytest.fixture(autouse=True, params=["planned", "parallel"])
def plans(request: pytest.FixtureRequest, db: None) -> Iterator[str]:
    """In `parallel`, parallel plans cost nothing and the tables are analysed before every
    read (the planner does not parallelise tables it believes empty)."""
    if request.param == "planned":
        yield "planned"
        return
    with connection.cursor() as cursor:
        for statement in FORCE_PARALLEL:
            cursor.execute(statement)
    busy = False

    def analyse_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal busy
        if not busy and "historian_" in sql and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            busy = True
            try:
                context["cursor"].execute(ANALYSE)
            finally:
                busy = False
        return execute(sql, params, many, context)

    with connection.execute_wrapper(analyse_first):
        yield "parallel"


ANALYSE = (
    "ANALYZE historian_sample, historian_rollup, historian_rollup_hour, historian_rollup_all, "
    "historian_rollup_hour_all"
)


@pytest.fixture
def feed(make_service_account: Any) -> Any:
    account, _ = make_service_account("feeder")
    counter = {"n": 0}

    def _feed(samples: list[dict[str, Any]]) -> None:
        counter["n"] += 1
        result = ingest_samples(
            actor=account, source="test", ingest_key=f"k{counter['n']}", items=samples
        )
        assert result.status == 201, result.body

    return _feed


@pytest.fixture
def reader(make_user: Any) -> APIClient:
    client = APIClient()
    client.force_login(make_user(R.OPERATOR, username="reader"))
    return client
