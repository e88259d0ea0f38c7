"""Every URL and API endpoint x every role → allowed, or 401/403 as designed (11.10(d),(g))."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import client_for
from tests.factories import TagFactory
from tests.matrix import ANONYMOUS, ENDPOINTS, Endpoint

ROLES = [*R.ALL_ROLES, ANONYMOUS]


@pytest.fixture
def targets(make_user: Any, make_service_account: Any) -> dict[str, Any]:
    subject = make_user(R.OPERATOR, username="matrix-subject")
    account, _ = make_service_account("matrix-collector")

    tag = TagFactory(name="MATRIX.TAG", equipment="MATRIX")
    return {
        "tag": tag.name,
        "username": subject.username,
        "service_account": account.username,
        "token_id": account.api_tokens.get().pk,
    }


def check(endpoint: Endpoint, role: str, response: Any) -> str | None:
    """None when the response is what the matrix says; otherwise what went wrong."""
    # A token means nothing to the web UI: the integration account is anonymous there.
    effective = ANONYMOUS if (role == R.INTEGRATION and not endpoint.api) else role
    status = response.status_code
    if effective in endpoint.allowed:
        if status in (401, 403):
            return f"{role}: refused with {status}, should be allowed"
        if not endpoint.api and status == 302 and "/accounts/login/" in response["Location"]:
            return f"{role}: sent to the login page, should be allowed"
        return None
    if effective == ANONYMOUS:
        if endpoint.api:
            if status != 401 or not response.get("WWW-Authenticate", "").startswith("Token"):
                return f"{role}: {status}, expected 401 with WWW-Authenticate: Token"
            if response.json()["error"] != "unauthenticated":
                return f"{role}: error code {response.json()['error']}"
        elif status != 302 or not response["Location"].startswith("/accounts/login/"):
            return f"{role}: {status}, expected a redirect to the login page"
        return None
    if status != 403:
        return f"{role}: {status}, expected 403"
    if endpoint.api and response.json()["error"] != "forbidden":
        return f"{role}: error code {response.json()['error']}"
    return None


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=Endpoint.label)
def test_role_matrix(
    endpoint: Endpoint, role_users: dict[str, Any], targets: dict[str, Any]
) -> None:
    problems = []
    for role in ROLES:
        client = client_for(role_users, None if role == ANONYMOUS else role)
        path = endpoint.path.format(**targets)
        kwargs: dict[str, Any] = {"data": endpoint.data} if endpoint.data else {}
        if endpoint.api and endpoint.method != "GET":
            kwargs["format"] = "json"
        response = getattr(client, endpoint.method.lower())(path, **kwargs)
        problem = check(endpoint, role, response)
        if problem:
            problems.append(problem)
    assert not problems, problems
