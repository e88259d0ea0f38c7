"""Declarative role matrix: every URL and API endpoint × every role → allowed or 401/403.

Later issues append their endpoints to ENDPOINTS; the test in
tests/core/test_role_matrix.py walks all of them for every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts import roles as R

ANONYMOUS = "anonymous"
HUMANS = frozenset(R.HUMAN_ROLES)
EVERYONE = frozenset({*R.ALL_ROLES, ANONYMOUS})
ADMIN = frozenset({R.ADMINISTRATOR})
AUDIT_READERS = frozenset({R.AUDITOR, R.QA_REVIEWER})
DATA_READERS = frozenset({*R.HUMAN_ROLES, R.INTEGRATION}) - {R.ADMINISTRATOR}
ANNOTATORS = frozenset({R.PROCESS_ENGINEER, R.SUPERVISOR, R.QA_REVIEWER})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # may use {username}, {service_account}, {token_id}
    allowed: frozenset[str]
    api: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS: list[Endpoint] = [
    # --- web UI
    Endpoint("GET", "/", HUMANS),
    Endpoint("GET", "/status/", HUMANS),
    Endpoint("GET", "/accounts/password/", HUMANS),
    Endpoint("GET", "/api/docs/", HUMANS),
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
    Endpoint("GET", "/historian/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("GET", "/historian/trend/?tags=MATRIX.TAG", DATA_READERS - {R.INTEGRATION}),
    Endpoint("GET", "/audit/", AUDIT_READERS),
    Endpoint("GET", "/audit/?model=accounts.user&user=admin", AUDIT_READERS),
    Endpoint("GET", "/audit/export.csv", AUDIT_READERS),
    Endpoint("GET", "/audit/export.jsonl", AUDIT_READERS),
    Endpoint("GET", "/audit/verification/", AUDIT_READERS),
    Endpoint("POST", "/audit/verification/start/", AUDIT_READERS),
    Endpoint("POST", "/audit/review/", AUDIT_READERS, data={"from_seq": 1, "to_seq": 1}),
    # --- API
    Endpoint("GET", "/api/v1/audit/events/", AUDIT_READERS, api=True),
    Endpoint("GET", "/api/v1/audit/verify/", AUDIT_READERS, api=True),
    Endpoint("POST", "/api/v1/audit/verify/", AUDIT_READERS, api=True),
    Endpoint("GET", "/api/v1/historian/tags/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/historian/tags/",
        frozenset({R.PROCESS_ENGINEER}),
        api=True,
        data={"name": "MATRIX.NEW", "equipment": "MATRIX/UNIT"},
    ),
    Endpoint("GET", "/api/v1/historian/tags/{tag}/", DATA_READERS, api=True),
    Endpoint(
        "PATCH",
        "/api/v1/historian/tags/{tag}/",
        frozenset({R.PROCESS_ENGINEER}),
        api=True,
        data={"description": "matrix", "reason": "matrix"},
    ),
    Endpoint(
        "GET",
        "/api/v1/historian/tags/{tag}/values/?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z",
        DATA_READERS,
        api=True,
    ),
    Endpoint("GET", "/api/v1/historian/tags/{tag}/current/", DATA_READERS, api=True),
    Endpoint("GET", "/api/v1/historian/tags/{tag}/annotations/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/historian/tags/{tag}/annotations/",
        ANNOTATORS,
        api=True,
        data={"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z", "text": "matrix"},
    ),
    Endpoint("GET", "/api/v1/historian/tags/{tag}/corrections/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/historian/tags/{tag}/corrections/",
        frozenset({R.QA_REVIEWER}),
        api=True,
        data={},
    ),
    Endpoint(
        "POST",
        "/api/v1/historian/samples/",
        frozenset({R.INTEGRATION}),
        api=True,
        data={"source": "matrix", "ingest_key": "matrix", "samples": []},
    ),
    Endpoint("GET", "/api/v1/status/", EVERYONE, api=True),
    Endpoint("GET", "/api/schema/", EVERYONE, api=True),
]
