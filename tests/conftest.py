"""Shared fixtures: users per role, API clients, and the test-only table reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections
from rest_framework.test import APIClient

from accounts import roles as R
from accounts.models import User
from accounts.services import service_account_create, token_issue
from audit.actors import SystemActor
from tests.dbadmin import reset_tables
from tests.factories import PASSWORD, PersonFactory

__all__ = ["PASSWORD", "SEED"]


# Tables made by SQL in migrations, not Django models: emptied too.
RAW_TABLES = (
    "historian_sample",
    "historian_rollup",
    "historian_rollup_hour",
    "historian_rollup_all",
    "historian_rollup_hour_all",
    "historian_ingest_permit",
    "historian_rollup_pending",
)


def _flush_through_reset(self: Any, **options: Any) -> None:
    """Django's flush after transactional tests TRUNCATEs every table; append-only
    tables refuse that, so the suite empties them through its superuser helper."""
    database = options["database"]
    conn = connections[database]
    tables = conn.introspection.django_table_names(only_existing=True, include_views=False)
    tables += [t for t in RAW_TABLES if t in conn.introspection.table_names()]
    conn.close()
    reset_tables(tables, dbname=conn.settings_dict["NAME"])
    if not options.get("inhibit_post_migrate"):
        emit_post_migrate_signal(options.get("verbosity", 0), False, database)


flush.Command.handle = _flush_through_reset  # type: ignore[method-assign]


SEED = SystemActor("system:seed")


@pytest.fixture(autouse=True)
def witness_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each test's chain starts at genesis: it gets a witness directory of its own."""
    path = tmp_path_factory.mktemp("witness")
    settings.WITNESS_DIR = str(path)
    return path


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """A person with one or more roles and the known test password (tests.factories)."""
    counter = {"n": 0}

    def _make(*roles: str, username: str | None = None, full_name: str | None = None) -> User:
        counter["n"] += 1
        name = username or f"{'-'.join(roles) or 'norole'}{counter['n']}"
        fields: dict[str, Any] = {"username": name, "roles": list(roles)}
        if full_name:
            fields["full_name"] = full_name
        user: User = PersonFactory(**fields)
        return user

    return _make


@pytest.fixture
def make_service_account(db: None) -> Callable[..., tuple[User, str]]:
    def _make(username: str = "collector-1") -> tuple[User, str]:
        account = service_account_create(
            actor=SEED, username=username, full_name=username, reason="test client"
        )
        _, key = token_issue(actor=SEED, user=account, name="test", reason="test client")
        return account, key

    return _make


@pytest.fixture
def role_users(make_user: Callable[..., User], make_service_account: Any) -> dict[str, Any]:
    """One account per role; the integration entry is (service account, token key)."""
    users: dict[str, Any] = {role: make_user(role, username=role) for role in R.HUMAN_ROLES}
    users[R.INTEGRATION] = make_service_account("integration-client")
    return users


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_for(role_users: dict[str, Any], role: str | None) -> APIClient:
    """An API client authenticated as the role's account (session for people, token for
    the integration account), or anonymous for None."""
    client = APIClient()
    if role is None:
        return client
    if role == R.INTEGRATION:
        _, key = role_users[role]
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    else:
        client.force_login(role_users[role])
    return client


# --- how long each test folder takes ([time] lines, read by .ci/run) -----------------------
_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    parts = report.nodeid.split("/")
    group = parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"
    _SECONDS[group] = _SECONDS.get(group, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for group, seconds in sorted(_SECONDS.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"[time] tests/{group} {seconds:.0f} s")
