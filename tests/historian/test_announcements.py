"""The historian announces stored samples (tags and time range) once they are committed, so
that a higher app (batch records) can check its CPPs without the historian importing it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from historian.signals import samples_stored
from tests.historian.conftest import post

pytestmark = pytest.mark.django_db(transaction=True)

FLOW = "L1.FEEDER1.MASSFLOW"


@pytest.fixture
def heard() -> Any:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    samples_stored.connect(receiver, weak=False)
    yield calls
    samples_stored.disconnect(receiver)


def test_stored_samples_are_announced_once_committed(
    tags: Any, collector: Any, heard: list[dict[str, Any]]
) -> None:
    body = post(
        collector,
        [
            {"tag": FLOW, "ts": "2026-03-01T08:00:05Z", "value": 2.0},
            {"tag": FLOW, "ts": "2026-03-01T08:00:01Z", "value": 1.0},
            {"tag": "L1.PRESS.SPEED", "ts": "2026-03-01T08:00:03Z", "value": 12},
        ],
        key="a1",
    ).json()
    assert heard == [
        {
            "signal": samples_stored,
            "ingest_id": body["ingest_id"],
            "tags": [FLOW, "L1.PRESS.SPEED"],
            "start": datetime(2026, 3, 1, 8, 0, 1, tzinfo=UTC),
            "end": datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC),
        }
    ]


def test_replays_refusals_and_duplicates_announce_nothing(
    tags: Any, collector: Any, heard: list[dict[str, Any]]
) -> None:
    sample = {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}
    post(collector, [sample], key="b1")
    heard.clear()
    assert post(collector, [sample], key="b1").status_code == 200  # a replay
    assert post(collector, [{**sample, "value": 9.0}], key="b2").status_code == 409
    assert post(collector, [{**sample, "tag": "NO.SUCH"}], key="b3").status_code == 422
    assert post(collector, [sample], key="b4").status_code == 201  # only a duplicate
    assert heard == []
