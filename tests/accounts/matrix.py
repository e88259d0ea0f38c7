"""The role-matrix rows of the accounts app (tests/matrix.py gathers them)."""

from __future__ import annotations

from tests.matrix import ADMIN, HUMANS, Endpoint

ROWS: list[Endpoint] = [
    Endpoint("GET", "/accounts/password/", HUMANS),
    Endpoint("GET", "/accounts/users/", ADMIN),
    Endpoint("GET", "/accounts/users/new/", ADMIN),
    Endpoint("GET", "/accounts/users/{username}/", ADMIN),
    Endpoint("POST", "/accounts/users/{username}/unlock/", ADMIN, data={"reason": "matrix"}),
    Endpoint("POST", "/accounts/users/{username}/deactivate/", ADMIN, data={"reason": "matrix"}),
    Endpoint(
        "POST", "/accounts/users/{username}/reset-password/", ADMIN, data={"reason": "matrix"}
    ),
    Endpoint(
        "POST",
        "/accounts/users/{username}/roles/",
        ADMIN,
        data={"roles": ["operator"], "reason": "matrix"},
    ),
    Endpoint("GET", "/accounts/service-accounts/", ADMIN),
    Endpoint("GET", "/accounts/service-accounts/new/", ADMIN),
    Endpoint("GET", "/accounts/service-accounts/{service_account}/", ADMIN),
    Endpoint(
        "POST",
        "/accounts/service-accounts/{service_account}/tokens/",
        ADMIN,
        data={"name": "matrix", "ttl_days": 1},
    ),
    Endpoint(
        "POST",
        "/accounts/service-accounts/{service_account}/tokens/{token_id}/revoke/",
        ADMIN,
        data={"reason": "matrix"},
    ),
]
