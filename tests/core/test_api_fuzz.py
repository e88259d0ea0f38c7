"""A schema-driven fuzzer over the whole API (schemathesis, from /api/schema/).

Every operation is called with generated inputs, as the integration account and as a person
of a role that may call it (a browser session, with its CSRF token), and every answer must be
no server error, a status code the schema documents for the operation, the content type it
documents and a body that matches the documented schema. 404, 409 and 422 are legitimate
answers to generated data (no `positive_data_acceptance`). Examples per operation are bounded
(LEDGERLINE_FUZZ_EXAMPLES, default 40) so the whole run takes a few minutes.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import roles as R
from core.api.permissions import required_capability
from historian.services import tag_create
from tests.conftest import SEED

EXAMPLES = int(os.environ.get("LEDGERLINE_FUZZ_EXAMPLES", "40"))


@schemathesis.serializer("application/pdf")
def pdf_body(ctx: Any, value: Any) -> bytes:
    """A report to verify: whatever bytes were generated (rarely a PDF — verification answers
    every body)."""
    return value if isinstance(value, bytes) else str(value).encode()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(transactional_db: None) -> Iterator[Any]:
    """The schema, loaded through the WSGI application the fuzzer calls. Like Django's test
    client, the calls keep the test's database connection (and its transaction) open."""
    from config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # The test stand-in's own endpoint (tests/testapp) is not part of the product's API.
        loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
        yield loaded.exclude(path_regex="^/api/test/")
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


AUTH_HEADERS = {"authorization", "cookie", "x-csrftoken"}


@pytest.fixture
def callers(role_users: dict[str, Any]) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """(headers, cookies) per role: a token for the integration account, a signed-in session
    with its CSRF token for each person, nothing for anonymous callers."""
    tag_create(actor=SEED, name="L1.TEMP", equipment="L1/BLENDER", unit="C")
    _, key = role_users[R.INTEGRATION]
    callers = {
        "anonymous": ({}, {}),
        R.INTEGRATION: ({"Authorization": f"Token {key}"}, {}),
    }
    for role in R.HUMAN_ROLES:
        client = Client()
        client.force_login(role_users[role])
        csrf = secrets.token_hex(16)
        cookies = {
            django_settings.SESSION_COOKIE_NAME: str(client.session.session_key),
            django_settings.CSRF_COOKIE_NAME: csrf,
        }
        callers[role] = ({"X-CSRFToken": csrf}, cookies)
    return callers


def roles_for(case: Any) -> list[str]:
    """The integration account where it may call the operation, and the first person whose
    role may; everyone anonymous where the operation is public."""
    probe = re.sub(r"\{[^}]+\}", "X", case.operation.path)
    try:
        view = resolve(probe).func.view_class  # type: ignore[attr-defined]
    except (Resolver404, AttributeError):
        return [R.INTEGRATION]
    if getattr(view, "public", False):
        return ["anonymous", R.INTEGRATION]
    needed = required_capability(view, case.method)
    alternatives = (needed,) if isinstance(needed, str) else needed or ()
    chosen = [
        role
        for role in (R.INTEGRATION, *R.HUMAN_ROLES)
        if set(alternatives) & R.role_permissions().get(role, frozenset())
    ]
    people = [role for role in chosen if role != R.INTEGRATION][:1]
    integration = [R.INTEGRATION] if R.INTEGRATION in chosen else []
    return (integration + people) or [R.AUDITOR]


@pytest.mark.django_db(transaction=True)  # each request commits or rolls back on its own
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_its_schema_says(
    case: Any, callers: dict[str, tuple[dict[str, str], dict[str, str]]]
) -> None:
    # The schema's security schemes make schemathesis send credentials of its own: each
    # call carries exactly the caller's instead.
    generated = {k: v for k, v in (case.headers or {}).items() if k.lower() not in AUTH_HEADERS}
    for role in roles_for(case):
        headers, cookies = callers[role]
        case.headers = {**generated, **headers}
        case.cookies = dict(cookies)
        case.call_and_validate(checks=CHECKS)
