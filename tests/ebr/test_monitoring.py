"""Live CPP monitoring: stored samples queue a check of the batches whose specs name their
tags (never run in the ingest request); each excursion is one cpp_excursion deviation, extended
while it continues; checking the same data again changes nothing; late data is checked too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts import roles as R
from audit.models import AuditEvent
from ebr import services
from ebr.models import Batch, Deviation
from ebr.services.monitoring import cpp_check
from historian.ingest import ingest_samples
from tests.ebr.test_batches import effective
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
TAG = "L9.PRESS.WEIGHT"


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


@pytest.fixture
def batch(make_user: Any) -> Batch:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    qa = make_user(R.QA_REVIEWER, username="quinn")
    TagFactory(actor=engineer, name=TAG, equipment="L9/PRESS", unit="mg")
    services.line_create(actor=engineer, code="L9", name="Line 9")
    record = services.master_create(
        actor=engineer, code="MR", product="P", title="T", line="L9",
        steps=[{"code": "S1", "title": "Run"}],
        parameter_specs=[{"tag": TAG, "low": 245, "high": 255}],
    )  # fmt: skip
    effective(record, engineer, qa)
    supervisor = make_user(R.SUPERVISOR, username="sam")
    made = services.batch_create(
        actor=supervisor, batch_number="B-1", master_record="MR", line="L9",
        start=iso(T0), end=iso(T0 + timedelta(hours=2)),
    )  # fmt: skip
    return services.batch_transition(
        actor=supervisor, batch=made, status="in_progress", reason="go"
    )


@pytest.fixture
def feed(make_service_account: Any, django_capture_on_commit_callbacks: Any) -> Any:
    account, _ = make_service_account("collector")
    counter = {"n": 0}

    def _feed(values: dict[int, float]) -> None:  # minute → value
        counter["n"] += 1
        items = [{"tag": TAG, "ts": iso(T0 + timedelta(minutes=m)), "value": v}
                 for m, v in sorted(values.items())]  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest_samples(actor=account, source="t", ingest_key=f"k{counter['n']}",
                                    items=items)  # fmt: skip
        assert result.status == 201, result.body

    return _feed


def test_each_excursion_is_one_deviation_and_rechecks_change_nothing(
    batch: Batch, feed: Any
) -> None:
    values = {m: 250.0 for m in range(60)}
    values.update({10: 256.0, 11: 258.5, 12: 257.0, 40: 240.0, 41: 243.0})
    feed(values)
    # The ingest only queued the check (one per batch and tag).
    queued = ProcrastinateJob.objects.filter(task_name="ebr.check_cpp", status="todo")
    assert [job.args for job in queued] == [{"batch_id": batch.pk, "tag": TAG}]
    assert not Deviation.objects.exists()
    raised = cpp_check(batch, TAG, now=T0 + timedelta(hours=1))
    assert len(raised) == 2
    first, second = Deviation.objects.order_by("start")
    assert (first.start, first.end) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=13))
    assert (first.details["worst"], first.details["count"]) == (258.5, 3)
    assert (second.details["worst"], second.details["count"]) == (240.0, 2)
    assert first.kind == "cpp_excursion"
    assert first.batch == batch
    assert first.raised_by == "system:cpp-monitor"
    events = AuditEvent.objects.count()
    assert cpp_check(batch, TAG, now=T0 + timedelta(hours=1)) == []  # the same data again
    assert Deviation.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_a_continuing_excursion_is_extended_and_late_data_is_checked(
    batch: Batch, feed: Any
) -> None:
    feed({0: 250.0, 1: 250.0, 2: 260.0, 3: 261.0})  # still outside at the end of the data
    (ongoing,) = cpp_check(batch, TAG, now=T0 + timedelta(minutes=4))
    assert (ongoing.start, ongoing.end, ongoing.details["count"]) == (
        T0 + timedelta(minutes=2), None, 2
    )  # fmt: skip
    feed({4: 263.0, 5: 250.0})  # it went on, then came back
    (extended,) = cpp_check(batch, TAG, now=T0 + timedelta(minutes=6))
    assert extended.pk == ongoing.pk
    assert (extended.end, extended.details["worst"], extended.details["count"]) == (
        T0 + timedelta(minutes=5), 263.0, 3
    )  # fmt: skip
    update = AuditEvent.objects.filter(table_name="ebr_deviation", action="update").last()
    assert update is not None
    assert "continued" in update.reason
    # Late data from earlier in the window: a new excursion, a new deviation.
    feed({30: 230.0, 31: 250.0})
    assert len(cpp_check(batch, TAG, now=T0 + timedelta(minutes=40))) == 1
    assert Deviation.objects.count() == 2


def test_the_rollup_guided_search_finds_what_the_raw_rows_hold(
    make_user: Any, make_service_account: Any
) -> None:
    """The excursion search reads raw rows only where minute rollups reach outside the
    limits: on random data with runs across minute edges, bad samples and gaps it answers as
    the search over every raw row does, for windows on and off whole minutes."""
    import random

    from historian import rollups
    from historian.models import Tag
    from historian.selectors import excursions, rollups_disabled

    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    TagFactory(actor=engineer, name="LX.FLOW", equipment="LX/UNIT", unit="kg/h")
    account, _ = make_service_account("collector")
    rng = random.Random(11)
    items, value, t = [], 100.0, T0
    while t < T0 + timedelta(hours=2):
        t += timedelta(seconds=rng.choice([1, 1, 1, 2, 7, 45]))
        value = min(130.0, max(70.0, value + rng.gauss(0, 2.5)))
        quality = "bad" if rng.random() < 0.03 else "good"
        items.append({"tag": "LX.FLOW", "ts": iso(t), "value": round(value, 3), "quality": quality})
    for i in range(0, len(items), 2000):
        assert ingest_samples(actor=account, source="t", ingest_key=f"r{i}",
                              items=items[i : i + 2000]).status == 201  # fmt: skip
    tag = Tag.objects.get(name="LX.FLOW")
    windows = [
        (T0, T0 + timedelta(hours=2)),
        (T0 + timedelta(minutes=7, seconds=13), T0 + timedelta(minutes=93, seconds=41)),
    ]
    compared = 0
    # With every minute owed to the rollups (recomputed by the read), half drained, all.
    for drain in (0, 60, 1000):
        rollups.drain(drain)
        for start, end in windows:
            for low, high in ((95.0, 105.0), (None, 110.0), (90.0, None)):
                guided = excursions(tag, start, end, low, high)
                with rollups_disabled():
                    raw = excursions(tag, start, end, low, high)
                assert guided == raw, (start, end, low, high)
                compared += len(raw)
    assert rollups.backlog().minutes == 0
    assert compared > 60


def test_a_value_hovering_at_its_limit_is_one_excursion(
    batch: Batch, make_service_account: Any, django_capture_on_commit_callbacks: Any
) -> None:
    account, _ = make_service_account("hover")
    # Out, back for 20 s, out again, back for good; then, 5 minutes later, out once more.
    seconds = {0: 250.0, 60: 256.0, 80: 254.0, 100: 257.0, 120: 250.0, 420: 240.0, 440: 250.0}
    items = [{"tag": TAG, "ts": iso(T0 + timedelta(seconds=s)), "value": v}
             for s, v in seconds.items()]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_samples(actor=account, source="t", ingest_key="h", items=items).status == 201
    cpp_check(batch, TAG, now=T0 + timedelta(minutes=10))
    first, second = Deviation.objects.order_by("start")
    assert (first.start, first.end) == (T0 + timedelta(seconds=60), T0 + timedelta(seconds=120))
    assert (first.details["count"], first.details["worst"]) == (2, 257.0)
    assert (second.start, second.details["worst"]) == (T0 + timedelta(seconds=420), 240.0)
