"""The role-matrix rows of the historian app (tests/matrix.py gathers them)."""

from __future__ import annotations

from accounts import roles as R
from tests.matrix import ANNOTATORS, DATA_READERS, Endpoint

ROWS: list[Endpoint] = [
    Endpoint("GET", "/historian/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("GET", "/historian/trend/?tags=MATRIX.TAG", DATA_READERS - {R.INTEGRATION}),
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
    Endpoint("GET", "/api/v1/historian/displays/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/historian/displays/",
        DATA_READERS,
        api=True,
        data={"name": "matrix", "tags": ["MATRIX.TAG"]},
    ),
    # Someone else's (or no) display: 404 to those who may read, 401/403 to the rest.
    Endpoint("GET", "/api/v1/historian/displays/999999/", DATA_READERS, api=True),
    Endpoint("DELETE", "/api/v1/historian/displays/999999/", DATA_READERS, api=True),
]
