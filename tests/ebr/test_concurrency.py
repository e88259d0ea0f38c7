"""Parallel requests cannot slip past the rules: two overlapping batches planned at once make
one batch and one 409; parallel drafts of a code's next version make one draft."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from ebr.models import Batch, MasterRecord
from tests.ebr.test_batches import effective
from tests.ebr.test_master_records import BODY
from tests.factories import TagFactory
from tests.parallel import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(make_user: Any) -> dict[str, Any]:
    from ebr import services

    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    qa = make_user(R.QA_REVIEWER, username="quinn")
    TagFactory(actor=engineer, name="L9.PRESS.WEIGHT", equipment="L9/PRESS", unit="mg")
    services.line_create(actor=engineer, code="L9", name="Line 9")
    effective(services.master_create(actor=engineer, **BODY), engineer, qa)
    return {"engineer": engineer, "qa": qa, "supervisor": make_user(R.SUPERVISOR, username="sam")}


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_two_overlapping_batches_planned_at_once_make_one(setup: dict[str, Any]) -> None:
    def plan(number: str, day: str, hour: int) -> Callable[[], int]:
        body = {
            "batch_number": number,
            "master_record": "DC-TAB-10",
            "line": "L9",
            "start": f"{day}T{hour:02d}:00:00Z",
            "end": f"{day}T{hour + 4:02d}:00:00Z",
        }
        return lambda: (
            client_of(setup["supervisor"])
            .post("/api/v1/ebr/batches/", body, format="json")
            .status_code
        )

    day = "2026-03-01"
    assert at_once([plan("B-1", day, 6), plan("B-2", day, 8), plan("B-3", day, 9)]) == [
        201, 409, 409
    ]  # fmt: skip
    assert Batch.objects.count() == 1
    # Six at once, all overlapping one another, three times: concurrent inserts checked by the
    # exclusion constraint deadlocked each other (a 500) before a line's windows were saved
    # one at a time.
    for round_ in range(3):
        day = f"2026-04-{10 + round_:02d}"
        statuses = at_once([plan(f"R{round_}-{i}", day, 6 + i % 3) for i in range(6)])
        assert statuses == [201, 409, 409, 409, 409, 409], statuses
    assert Batch.objects.count() == 4


def test_parallel_drafts_of_the_next_version_make_one(setup: dict[str, Any]) -> None:
    def draft() -> int:
        return (
            client_of(setup["engineer"])
            .post("/api/v1/ebr/master-records/", {"code": "DC-TAB-10"}, format="json")
            .status_code
        )

    assert at_once([draft, draft, draft]) == [201, 409, 409]
    assert MasterRecord.objects.filter(code="DC-TAB-10", status="draft").count() == 1


def test_the_same_feed_sent_in_parallel_is_stored_once(setup: dict[str, Any]) -> None:
    """Replays racing each other: one 201, the others 200 with the stored feed; a different lot
    at the same moment, racing too, is a 409."""
    from audit.signing import SignatureRequest
    from ebr import services
    from ebr.models import Feed
    from tests.factories import PASSWORD

    engineer, qa, supervisor = setup["engineer"], setup["qa"], setup["supervisor"]
    TagFactory(actor=engineer, name="L9.FEEDER1.MASSFLOW", equipment="L9/FEEDER1", unit="kg/h")
    for number in ("A-1", "A-2"):
        lot = services.lot_create(actor=supervisor, material="API", lot=number)
        services.lot_dispose(actor=qa, lot=lot, decision="release", signature=SignatureRequest(
            username="quinn", password=PASSWORD, meaning="released", reason="COA"))  # fmt: skip

    def charge(number: str) -> Callable[[], int]:
        body = {"feeder": "FEEDER1", "material": "API", "lot": number,
                "start": "2026-03-01T06:00:00Z"}  # fmt: skip
        return lambda: (
            client_of(supervisor)
            .post("/api/v1/ebr/lines/L9/feeds/", body, format="json")
            .status_code
        )

    assert at_once([charge("A-1")] * 4) == [200, 200, 200, 201]
    assert at_once([charge("A-2")] * 2) == [409, 409]
    assert Feed.objects.count() == 1
