"""The role-matrix rows of the collectors app (tests/matrix.py gathers them)."""

from __future__ import annotations

from accounts import roles as R
from tests.matrix import DATA_READERS, Endpoint

HEARTBEAT = {"kind": "mqtt", "buffered": 0, "oldest_age_seconds": None, "buffer_bytes": 0,
             "max_bytes": 1, "send_rate": 0, "quarantined": 0}  # fmt: skip

ROWS: list[Endpoint] = [
    Endpoint("GET", "/api/v1/collectors/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/collectors/matrix-collector/heartbeat/",
        frozenset({R.INTEGRATION}),
        api=True,
        data=HEARTBEAT,
    ),
]
