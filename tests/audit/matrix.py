"""The role-matrix rows of the audit app (tests/matrix.py gathers them)."""

from __future__ import annotations

from tests.matrix import AUDIT_READERS, Endpoint

ROWS: list[Endpoint] = [
    Endpoint("GET", "/audit/", AUDIT_READERS),
    Endpoint("GET", "/audit/?model=accounts.user&user=admin", AUDIT_READERS),
    Endpoint("GET", "/audit/export.csv", AUDIT_READERS),
    Endpoint("GET", "/audit/export.jsonl", AUDIT_READERS),
    Endpoint("GET", "/audit/verification/", AUDIT_READERS),
    Endpoint("POST", "/audit/verification/start/", AUDIT_READERS),
    Endpoint("POST", "/audit/review/", AUDIT_READERS, data={"from_seq": 1, "to_seq": 1}),
    Endpoint("GET", "/api/v1/audit/events/", AUDIT_READERS, api=True),
    Endpoint("GET", "/api/v1/audit/verify/", AUDIT_READERS, api=True),
    Endpoint("POST", "/api/v1/audit/verify/", AUDIT_READERS, api=True),
]
