"""The role-matrix rows of the LIMS bridge (tests/matrix.py gathers them)."""

from __future__ import annotations

from accounts import roles as R
from tests.matrix import DATA_READERS, Endpoint

IMPORTERS = frozenset({R.QA_REVIEWER, R.INTEGRATION})

ROWS: list[Endpoint] = [
    Endpoint("GET", "/lims/", frozenset({R.QA_REVIEWER})),
    Endpoint("POST", "/lims/upload/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/lims/imports/999999/", frozenset({R.QA_REVIEWER})),
    Endpoint("POST", "/lims/imports/999999/confirm/", frozenset({R.QA_REVIEWER})),
    Endpoint("POST", "/lims/mappings/", frozenset({R.QA_REVIEWER})),
    Endpoint("POST", "/lims/pulls/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/api/v1/lims/results/", DATA_READERS, api=True),
    Endpoint("POST", "/api/v1/lims/results/", frozenset({R.INTEGRATION}), api=True, data={}),
    Endpoint("GET", "/api/v1/lims/mappings/", DATA_READERS, api=True),
    Endpoint("POST", "/api/v1/lims/mappings/", IMPORTERS, api=True, data={}),
    Endpoint("GET", "/api/v1/lims/imports/", DATA_READERS, api=True),
    Endpoint("POST", "/api/v1/lims/imports/", IMPORTERS, api=True, data={}),
    Endpoint("POST", "/api/v1/lims/pulls/", IMPORTERS, api=True, data={}),
    Endpoint("GET", "/api/v1/lims/transfers/999999/", DATA_READERS, api=True),
]
