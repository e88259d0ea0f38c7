"""The role-matrix rows of the batch records (tests/matrix.py gathers them)."""

from __future__ import annotations

from accounts import roles as R
from tests.matrix import DATA_READERS, Endpoint

ROWS: list[Endpoint] = [
    Endpoint("GET", "/ebr/lines/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/lots/receive/", frozenset({R.SUPERVISOR})),
    Endpoint("POST", "/ebr/lots/MATRIX/NOPE/disposition/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/ebr/batches/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/batches/plan/", frozenset({R.SUPERVISOR})),
    Endpoint("GET", "/ebr/batches/NOPE/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/batches/NOPE/move/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("GET", "/ebr/batches/NOPE/execute/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/batches/NOPE/steps/S10/entries/", frozenset({R.OPERATOR, R.SUPERVISOR})),
    Endpoint("GET", "/ebr/verify/", frozenset({R.SUPERVISOR})),
    Endpoint("POST", "/ebr/batches/NOPE/steps/S10/verify/", frozenset({R.SUPERVISOR})),
    Endpoint("GET", "/ebr/review/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/ebr/review/NOPE/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/review/NOPE/exception/", frozenset({R.QA_REVIEWER})),
    Endpoint("POST", "/ebr/review/NOPE/disposition/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/ebr/deviations/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/deviations/new/", frozenset({R.OPERATOR, R.SUPERVISOR, R.QA_REVIEWER})),
    Endpoint("GET", "/ebr/deviations/DEV-0000/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/deviations/DEV-0000/move/", frozenset({R.QA_REVIEWER})),
    Endpoint("GET", "/ebr/master-records/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/master-records/new/", frozenset({R.PROCESS_ENGINEER})),
    Endpoint("GET", "/ebr/master-records/MATRIX/diff/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("POST", "/ebr/master-records/MATRIX/next/", frozenset({R.PROCESS_ENGINEER})),
    Endpoint("GET", "/ebr/master-records/MATRIX/1/", DATA_READERS - {R.INTEGRATION}),
    # Who may make which move is the service's rule; the page takes the request from readers.
    Endpoint("POST", "/ebr/master-records/MATRIX/1/move/", DATA_READERS - {R.INTEGRATION}),
    Endpoint("GET", "/api/v1/ebr/lines/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/ebr/lines/",
        frozenset({R.PROCESS_ENGINEER}),
        api=True,
        data={"code": "MX", "name": "matrix"},
    ),
    Endpoint("GET", "/api/v1/ebr/lines/NOPE/", DATA_READERS, api=True),
    Endpoint("GET", "/api/v1/ebr/lots/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/ebr/lots/",
        frozenset({R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={"material": "MATRIX", "lot": "M-1"},
    ),
    Endpoint("GET", "/api/v1/ebr/lots/MATRIX/NOPE/", DATA_READERS, api=True),
    # QA signs; an integration account may carry a QA reviewer's signature.
    Endpoint(
        "POST",
        "/api/v1/ebr/lots/MATRIX/NOPE/disposition/",
        frozenset({R.QA_REVIEWER, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint("GET", "/api/v1/ebr/master-records/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/ebr/master-records/",
        frozenset({R.PROCESS_ENGINEER}),
        api=True,
        data={"code": "MATRIX"},
    ),
    Endpoint("GET", "/api/v1/ebr/master-records/MATRIX/1/", DATA_READERS, api=True),
    Endpoint(
        "PATCH",
        "/api/v1/ebr/master-records/MATRIX/1/",
        frozenset({R.PROCESS_ENGINEER}),
        api=True,
        data={"reason": "matrix"},
    ),
    # Authors submit, QA approves; an integration account may carry a QA signature.
    Endpoint(
        "POST",
        "/api/v1/ebr/master-records/MATRIX/1/transition/",
        frozenset({R.PROCESS_ENGINEER, R.QA_REVIEWER, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint("GET", "/api/v1/ebr/batches/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/",
        frozenset({R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={"batch_number": "M-1"},
    ),
    Endpoint("GET", "/api/v1/ebr/batches/NOPE/", DATA_READERS, api=True),
    Endpoint(
        "PATCH",
        "/api/v1/ebr/batches/NOPE/",
        frozenset({R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={},
    ),
    # Supervisors and the MES start, close and cancel; QA takes a closed batch into review.
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/transition/",
        frozenset({R.SUPERVISOR, R.INTEGRATION, R.QA_REVIEWER}),
        api=True,
        data={},
    ),
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/close/",
        frozenset({R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint("GET", "/api/v1/ebr/deviations/", DATA_READERS, api=True),
    Endpoint(
        "POST",
        "/api/v1/ebr/deviations/",
        frozenset({R.OPERATOR, R.SUPERVISOR, R.QA_REVIEWER}),
        api=True,
        data={"line": "NOPE"},
    ),
    Endpoint("GET", "/api/v1/ebr/deviations/DEV-0000/", DATA_READERS, api=True),
    # QA investigates and closes; an integration account may carry a QA signature.
    Endpoint(
        "POST",
        "/api/v1/ebr/deviations/DEV-0000/transition/",
        frozenset({R.QA_REVIEWER, R.INTEGRATION}),
        api=True,
        data={},
    ),
    # Operators and supervisors sign entries, supervisors verify; an MES may carry signatures.
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/steps/S10/entries/",
        frozenset({R.OPERATOR, R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/steps/S10/verify/",
        frozenset({R.SUPERVISOR, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint("GET", "/api/v1/ebr/batches/NOPE/exceptions/", DATA_READERS, api=True),
    # QA reviews and disposes; an integration account may carry a QA reviewer's signature.
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/exceptions/entry:1:late/review/",
        frozenset({R.QA_REVIEWER, R.INTEGRATION}),
        api=True,
        data={},
    ),
    Endpoint(
        "POST",
        "/api/v1/ebr/batches/NOPE/disposition/",
        frozenset({R.QA_REVIEWER, R.INTEGRATION}),
        api=True,
        data={},
    ),
]
