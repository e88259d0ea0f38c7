"""Every URL and API endpoint × every role → allowed, or 401/403 as designed (11.10(d),(g))."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import client_for
from tests.matrix import ANONYMOUS, ENDPOINTS, Endpoint

ROLES = [*R.ALL_ROLES, ANONYMOUS]


@pytest.fixture
def targets(make_user: Any, make_service_account: Any) -> dict[str, Any]:
    subject = make_user(R.OPERATOR, username="matrix-subject")
    account, _ = make_service_account("matrix-collector")
    return {
        "username": subject.username,
        "service_account": account.username,
        "token_id": account.api_tokens.get().pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=Endpoint.label)
def test_role_matrix(
    endpoint: Endpoint, role: str, role_users: dict[str, Any], targets: dict[str, Any]
) -> None:
    client = client_for(role_users, None if role == ANONYMOUS else role)
    path = endpoint.path.format(**targets)
    method = getattr(client, endpoint.method.lower())
    kwargs: dict[str, Any] = {"data": endpoint.data} if endpoint.data else {}
    if endpoint.api and endpoint.method != "GET":
        kwargs["format"] = "json"
    response = method(path, **kwargs)
    # A token means nothing to the web UI: the integration account is anonymous there.
    effective = ANONYMOUS if (role == R.INTEGRATION and not endpoint.api) else role
    if effective in endpoint.allowed:
        assert response.status_code not in (401, 403), response.content[:300]
        if not endpoint.api and response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    elif effective == ANONYMOUS:
        if endpoint.api:
            assert response.status_code == 401
            assert response["WWW-Authenticate"].startswith("Token")
            assert response.json()["error"] == "unauthenticated"
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403, response.content[:300]
        if endpoint.api:
            assert response.json()["error"] == "forbidden"
