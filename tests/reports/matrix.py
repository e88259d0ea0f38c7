"""The role-matrix rows of the reports (tests/matrix.py gathers them)."""

from __future__ import annotations

from accounts import roles as R
from tests.matrix import AUDIT_READERS, DATA_READERS, EVERYONE, HUMANS, Endpoint

RENDERERS = HUMANS - {R.ADMINISTRATOR}

ROWS: list[Endpoint] = [
    Endpoint("GET", "/reports/verify/", RENDERERS),
    Endpoint("GET", "/api/v1/reports/batches/NOPE.pdf", RENDERERS, api=True),
    Endpoint("GET", "/api/v1/reports/deviations/DEV-0000.pdf", RENDERERS, api=True),
    # The audit trail is for its readers: others are refused by the report itself.
    Endpoint("GET", "/api/v1/reports/audit.pdf", AUDIT_READERS, api=True),
    Endpoint("GET", "/api/v1/reports/trend.pdf", RENDERERS, api=True),
    Endpoint("GET", "/api/v1/reports/genealogy.pdf", RENDERERS, api=True),
    Endpoint("GET", "/api/v1/reports/jobs/NOPE/", RENDERERS, api=True),
    Endpoint("GET", "/api/v1/reports/documents/NOPE.pdf", RENDERERS, api=True),
    Endpoint("POST", "/api/v1/reports/verify/", RENDERERS, api=True, data={}),
    Endpoint("GET", "/api/v1/reports/signing-certificate/", EVERYONE, api=True),
    # The ranking reads what the deviation's readers read (served beside the deviation).
    Endpoint("GET", "/api/v1/ebr/deviations/DEV-0000/root-cause/", DATA_READERS, api=True),
]
