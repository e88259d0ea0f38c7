"""Parallel pushes of the same results: one stores, the others are replays (200), and nothing
is stored twice — the result, its sample and its OOS deviation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from ebr.models import Deviation
from lims_bridge.models import Result, Sample
from tests.lims_bridge.test_push import URL, lab, result  # noqa: F401 (the fixture)
from tests.parallel import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_result_pushed_four_times_at_once_is_stored_once(
    lab: dict[str, Any],  # noqa: F811
    make_service_account: Any,
) -> None:
    _, key = make_service_account("lims-2")

    def push(body: dict[str, Any]) -> Callable[[], int]:
        def call() -> int:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            return int(client.post(URL, body, format="json").status_code)

        return call

    oos = result(result=90.0)
    assert at_once([push(oos)] * 4) == [200, 200, 200, 201]
    assert Result.objects.count() == 1
    assert Sample.objects.count() == 1
    assert Deviation.objects.filter(kind="oos").count() == 1
    listed = [result(lims_id=f"L-{i}", sample_id="S-9") for i in range(20)]
    statuses = at_once([push({"results": listed})] * 3)
    assert statuses == [200, 200, 201]
    assert Result.objects.filter(lims_id__startswith="L-").count() == 20
