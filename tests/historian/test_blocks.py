"""Many tags on one grid (historian.selectors.blocks, the root-cause ranking's reads): block
means from the stored rows and from the minute rollups agree with each other and with the mean
of the usable samples; bad and non-finite samples are left out; a correction's values count;
changes of value come with the value before them, bad samples skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from accounts import roles as R
from historian import rollups, selectors
from tests.conftest import PASSWORD
from tests.historian.conftest import post

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def stored(tags: dict[str, Any], collector: Any) -> dict[str, Any]:
    """Ten minutes of the flow every second (two bad samples among them, one without a
    value), the speed every 5 s, the running flag switching twice and the lot once."""
    flow = [{"tag": "L1.FEEDER1.MASSFLOW", "ts": at(s), "value": 2.0 + 0.01 * s}
            for s in range(600)]  # fmt: skip
    flow[30] = {"tag": "L1.FEEDER1.MASSFLOW", "ts": at(30), "value": 999.0, "quality": "bad"}
    flow[31] = {"tag": "L1.FEEDER1.MASSFLOW", "ts": at(31), "value": None, "quality": "bad"}
    speed = [
        {"tag": "L1.PRESS.SPEED", "ts": at(s), "value": 40 + s // 60} for s in range(0, 600, 5)
    ]
    running = [{"tag": "L1.PRESS.RUNNING", "ts": at(s), "value": 120 <= s < 300}
               for s in range(0, 600, 10)]  # fmt: skip
    running.append({"tag": "L1.PRESS.RUNNING", "ts": at(305), "value": False, "quality": "bad"})
    lots = [{"tag": "L1.FEEDER1.LOT", "ts": at(s), "value": "A-1" if s < 400 else "A-2"}
            for s in range(0, 600, 60)]  # fmt: skip
    answer = post(collector, flow + speed + running + lots)
    assert answer.status_code == 201, answer.content
    return tags


def test_block_means_from_rows_and_from_rollups_agree(stored: dict[str, Any]) -> None:
    flow, speed = stored["flow"], stored["speed"]
    fine = selectors.block_means([flow, speed], selectors.Grid.covering(T0, T0 + timedelta(
        minutes=10), 10))  # fmt: skip
    assert len(fine[flow.pk]) == 60
    # Block 3 holds seconds 30–39: the bad samples are left out.
    assert fine[flow.pk][3] == pytest.approx(np.mean([2.0 + 0.01 * s for s in range(32, 40)]))
    assert fine[flow.pk][0] == pytest.approx(np.mean([2.0 + 0.01 * s for s in range(10)]))
    assert fine[speed.pk][7] == pytest.approx(41.0)
    grid = selectors.Grid.covering(T0 - timedelta(minutes=2), T0 + timedelta(minutes=10), 60)
    with selectors.rollups_disabled():
        raw = selectors.block_means([flow, speed], grid)
    # Ten minutes of the flow, the speed and the running flag (not the lot: text has no
    # rollups) owed to the rollups and recomputed by the read, then some drained, then all.
    for owed in (30, 23, 0):
        rollups.drain(rollups.backlog().minutes - owed)
        assert rollups.backlog().minutes == owed
        minutes = selectors.block_means([flow, speed], grid)
        assert np.isnan(minutes[flow.pk][:2]).all()  # before the first sample: no value
        for tag in (flow, speed):
            assert np.allclose(minutes[tag.pk][2:], raw[tag.pk][2:])
        assert minutes[speed.pk][2:].tolist() == [40.0 + m for m in range(10)]


def test_a_correction_counts_in_its_blocks(stored: dict[str, Any], make_user: Any) -> None:
    from audit.signing import SignatureRequest
    from historian.services import correction_create

    flow = stored["flow"]
    make_user(R.QA_REVIEWER, username="quinn")
    supervisor = make_user(R.SUPERVISOR, username="sam")
    correction_create(actor=supervisor, tag=flow, start=at(0), end=at(10),
                      values=[{"ts": at(s), "value": 5.0} for s in range(10)],
                      reason="balance drift, recalculated",
                      signature=SignatureRequest(username="quinn", password=PASSWORD,
                                                 meaning="approved", reason="ok"))  # fmt: skip
    means = selectors.block_means([flow], selectors.Grid.covering(T0, T0 + timedelta(
        minutes=1), 10))[flow.pk]  # fmt: skip
    assert means[0] == pytest.approx(5.0)
    assert means[1] == pytest.approx(np.mean([2.0 + 0.01 * s for s in range(10, 20)]))


def test_changes_with_the_value_before_them(stored: dict[str, Any]) -> None:
    running, lot = stored["running"], stored["lot"]
    found = selectors.changes([running, lot], T0, T0 + timedelta(minutes=10))
    flags = [(c.ts, c.before, c.after) for c in found if c.tag_id == running.pk]
    assert flags == [(T0, None, False), (T0 + timedelta(seconds=120), False, True),
                     (T0 + timedelta(seconds=300), True, False)]  # fmt: skip
    lots = [(c.before, c.after) for c in found if c.tag_id == lot.pk]
    assert lots == [(None, "A-1"), ("A-1", "A-2")]
