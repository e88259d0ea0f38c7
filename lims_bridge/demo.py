"""The demo's LIMS results, as the laboratory's LIMS would push them: the first batch's
required tests verified (then QA releases it), the second's with a result out of its warning
limits, a result revised and the dissolution still to be verified (so it waits), the third's
none yet. Idempotent: results stored already are replays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import OutputWrapper

from accounts import demo as people
from accounts.models import User
from ebr.demo import CODE
from ebr.demo_batches import Story
from ebr.models import Batch, BatchStatus
from lims_bridge.models import Result
from lims_bridge.results import store_results


def _result(batch: Batch, lims_id: str, test: str, value: float, unit: str,
            low: float | None, high: float | None, **more: Any) -> dict[str, Any]:  # fmt: skip
    sampled = batch.start + timedelta(hours=1)
    captured = sampled + timedelta(hours=3)
    return {"lims_id": lims_id, "revision": 1, "sample_id": f"{batch.batch_number}-S1",
            "sampling_point": "OUTLET", "batch_number": batch.batch_number,
            "sampled_at": sampled.isoformat(), "captured_at": captured.isoformat(),
            "test": test, "result": value, "unit": unit, "spec_low": low, "spec_high": high,
            "status": "verified", "analyst": "lab.analyst", "verified_by": ["lab.reviewer"],
            "method": "USP", "instrument": "HPLC-2", **more}  # fmt: skip


def seed(out: OutputWrapper) -> list[str]:
    batches = list(Batch.objects.filter(master_record__code=CODE).order_by("start"))
    if len(batches) < 2 or Result.objects.exists():
        return []
    lims = User.objects.filter(username="lims-sync", is_service_account=True).first()
    actor = lims or User.objects.get(username="demo-seed")
    first, second = batches[0], batches[1]
    out.write("pushing the demo's LIMS results …")
    tag = first.batch_number
    store_results(actor=actor, raws=[
        _result(first, f"{tag}-ASSAY", "assay", 99.6, "%", 95.0, 105.0, warn_low=97.0,
                warn_high=103.0),
        _result(first, f"{tag}-CU", "content uniformity (AV)", 4.1, "", 0.0, 15.0),
        _result(first, f"{tag}-DISS", "dissolution Q30", 91.0, "%", 80.0, None),
    ])  # fmt: skip
    tag = second.batch_number
    store_results(actor=actor, raws=[
        _result(second, f"{tag}-ASSAY", "assay", 96.4, "%", 95.0, 105.0, warn_low=97.0,
                warn_high=103.0),
        _result(second, f"{tag}-CU", "content uniformity (AV)", 6.3, "", 0.0, 15.0),
        _result(second, f"{tag}-CU", "content uniformity (AV)", 5.9, "", 0.0, 15.0,
                revision=2),
        _result(second, f"{tag}-DISS", "dissolution Q30", 88.0, "%", 80.0, None,
                status="to_be_verified", verified_by=[]),
    ])  # fmt: skip
    notes = [f"LIMS results: {first} verified; {second} with an assay under its warning limit, "
             "a revised content uniformity and its dissolution still to be verified"]  # fmt: skip
    if first.status == BatchStatus.CLOSED and {"qa"} <= set(people.PASSWORDS):
        Story(CODE).release(first)
        notes.append(f"{first} released by QA")
    return notes
