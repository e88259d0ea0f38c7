"""The role-matrix rows of the portal app (tests/matrix.py gathers them)."""

from __future__ import annotations

from tests.matrix import EVERYONE, HUMANS, Endpoint

ROWS: list[Endpoint] = [
    Endpoint("GET", "/", HUMANS),
    Endpoint("GET", "/status/", HUMANS),
    Endpoint("GET", "/api/docs/", HUMANS),
    Endpoint("GET", "/api/v1/status/", EVERYONE, api=True),
    Endpoint("GET", "/api/schema/", EVERYONE, api=True),
]
