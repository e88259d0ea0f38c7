"""`manage.py seed_demo`: every app seeds its part of the demo from its own folder; a second
run changes nothing; the result verifies."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

import historian.demo
from accounts import roles as R
from accounts.models import User
from audit.models import AuditEvent, Checkpoint, Signature
from ebr.execution import step_states
from ebr.models import Batch, Feed, Line, MasterRecord, MaterialLot
from ebr.selectors import batch_exceptions, genealogy_backward, release_blockers
from historian.models import Annotation, Tag
from tests.audit.helpers import audit_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_seeds_once_and_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(historian.demo, "DEMO_HOURS", 0.1)  # six minutes of the line, not a day
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    people = User.objects.filter(is_service_account=False)
    assert sorted(u.role_names[0] for u in people) == sorted(R.HUMAN_ROLES)
    for user in people:
        assert f"  {user.username:<12} " in printed  # the one-time passwords, printed once
    assert User.objects.filter(username="line-simulator", is_service_account=True).exists()
    assert Tag.objects.filter(name__startswith="L1.").count() > 30
    assert Annotation.objects.count() == 1
    # The batch records: line L1 with its outlet, the lots the day fed (released by QA's
    # signature) and two that may not be used, an effective master record, batches.
    line = Line.objects.get(code="L1")
    assert line.outlet_tag is not None
    assert line.outlet_tag.name == "L1.OUTLET.MASSFLOW"
    released = MaterialLot.objects.filter(status="released")
    assert {lot.material for lot in released} == {"API", "MCC", "MgSt"}
    assert MaterialLot.objects.filter(status="quarantine").count() == 2
    assert Signature.objects.filter(record_table="ebr_material_lot").count() == released.count()
    record = MasterRecord.objects.get(code="DC-TAB-10")
    assert (record.status, len(record.steps)) == ("effective", 7)
    # Genealogy: an RTD version per feeder, a feed for every lot the LOT tags name.
    assert sorted(line.rtd_models.values_list("feeder", flat=True)) == [
        "FEEDER1", "FEEDER2", "FEEDER3"
    ]  # fmt: skip
    fed = {(f.feeder, f.lot.lot) for f in Feed.objects.select_related("lot")}
    assert {feeder for feeder, _ in fed} == {"FEEDER1", "FEEDER2", "FEEDER3"}
    assert {lot for _, lot in fed} <= {lot.lot for lot in released}
    # Three batches over the simulated span, the whole flow at once: released (reviewed and
    # signed by QA), closed and waiting for QA (with what blocks it), in progress (S40 open).
    released, waiting, running = Batch.objects.order_by("start")
    assert [released.status, waiting.status, running.status] == [
        "released", "closed", "in_progress"
    ]  # fmt: skip
    assert released.actual_quantity is not None
    assert released.actual_quantity > 0
    assert Signature.objects.filter(record_table="ebr_batch", meaning="released").count() == 1
    assert release_blockers(released) == []
    blocking = {b.kind for b in release_blockers(waiting)}
    # the 241.9 mg weight check, and the dissolution the laboratory has still to verify
    assert blocking == {"deviation_open", "exception_unreviewed", "lims_unverified"}
    kinds = {e["kind"] for e in batch_exceptions(waiting)}
    assert {"entry_out_of_limit", "entry_corrected", "deviation", "lims_warning",
            "lims_revised"} <= kinds  # fmt: skip
    traced = genealogy_backward(line, released.start, released.end or released.start)
    for feeder in ("FEEDER1", "FEEDER2", "FEEDER3"):
        share = sum(i["fraction"] for i in traced["inputs"] if i["feeder"] == feeder)
        assert share == pytest.approx(1.0)
    states = {s.code: s for s in step_states(running)}
    assert states["S30"].complete
    assert states["S40"].is_open
    assert not states["S40"].entries
    assert Checkpoint.objects.count() == 1
    events = AuditEvent.objects.count()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "no user changed" in again.getvalue()
    assert "has data already" in again.getvalue()
    assert "no batch record changed" in again.getvalue()
    assert AuditEvent.objects.count() == events  # nothing written the second time
    assert audit_verify()[0] == 0


def test_each_app_brings_its_own_demo(tmp_path: Any) -> None:
    from portal.management.commands.seed_demo import demo_modules

    assert [m.__name__ for m in demo_modules()] == [
        "accounts.demo",
        "historian.demo",
        "ebr.demo",
        "collectors.demo",
        "lims_bridge.demo",
    ]
