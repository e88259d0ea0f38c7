"""The demo's batch records: line L1 with its outlet, the lots the simulated day fed (released
by QA), one unreleased and one expired lot, an effective master record for the simulated
product, and three batches over the simulated day (ebr.demo_batches): one released, one closed
and waiting for QA's review, one in progress.

Idempotent: what exists is left alone. QA's signatures (the lots' release, the master
record's approval and release for use) need the demo QA reviewer's password, which exists
only in the run that created the people; a later run that finds those records missing says
what to do instead of signing for anyone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import OutputWrapper
from django.utils import timezone

from accounts import demo as people
from accounts.models import User
from audit.signing import SignatureRequest
from ebr import services
from ebr.demo_batches import seed_batches
from ebr.demo_genealogy import fit_link, seed_feeds, seed_rtd
from ebr.models import Batch, Deviation, Line, MaterialLot
from historian.demo import DEMO_LINE, demo_start
from historian.models import Tag
from historian.selectors import ReadSpec, read

CODE = "DC-TAB-10"
MATERIALS = {"FEEDER1": "API", "FEEDER2": "MCC", "FEEDER3": "MgSt"}
LIMITS = {"low": 242.5, "alert_low": 245.0, "alert_high": 255.0, "high": 257.5}
STEPS: list[dict[str, Any]] = [
    {"code": "S10", "title": "Line clearance", "operation": "Preparation",
     "instruction": "Check that the room, the feeders, the blender and the press are free of "
                    "the previous product and its documents.",
     "fields": [{"name": "line_clear", "type": "bool"},
                {"name": "room", "type": "equipment", "label": "Room / line"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S20", "title": "Dispense and charge the materials", "operation": "Preparation",
     "after": ["S10"],
     "instruction": "Charge each feeder's hopper with a released lot; scan the lot labels.",
     "fields": [{"name": "api_lot", "type": "lot", "label": "API lot"},
                {"name": "mcc_lot", "type": "lot", "label": "MCC lot"},
                {"name": "mgst_lot", "type": "lot", "label": "MgSt lot"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S30", "title": "Feeder set-points", "operation": "Start-up", "after": ["S20"],
     "instruction": "Set the loss-in-weight feeders to the batch plan's rates.",
     "fields": [{"name": "api_rate", "type": "number", "unit": "kg/h", "low": 1.9, "high": 2.1},
                {"name": "mcc_rate", "type": "number", "unit": "kg/h", "low": 17.3,
                 "high": 17.9},
                {"name": "mgst_rate", "type": "number", "unit": "kg/h", "low": 0.38,
                 "high": 0.42}],
     "required_signatures": ["performed"]},
    {"code": "S40", "title": "Press start-up", "operation": "Start-up", "after": ["S30"],
     "instruction": "Start the press at the turret speed of the plan; discard the first "
                    "tablets until the weight is in limits.",
     "fields": [{"name": "turret_speed", "type": "number", "unit": "rpm", "low": 35,
                 "alert_low": 38, "alert_high": 42, "high": 45},
                {"name": "tooling", "type": "choice", "choices": ["10 mm round", "10 mm oval"]}],
     "required_signatures": ["performed"]},
    {"code": "S50", "title": "In-process tablet weight", "operation": "Production",
     "after": ["S40"], "repeatable": True,
     "instruction": "Every hour: weigh 10 tablets and enter the mean.",
     "fields": [{"name": "mean_weight", "type": "number", "unit": "mg", **LIMITS},
                {"name": "checked_at", "type": "timestamp"}],
     "required_signatures": ["performed"]},
    {"code": "S60", "title": "Hardness and appearance", "operation": "Production",
     "after": ["S40"], "repeatable": True,
     "instruction": "Every two hours: test 5 tablets for hardness; look at their surface.",
     "fields": [{"name": "hardness", "type": "number", "unit": "kP", "low": 8, "high": 14},
                {"name": "appearance_ok", "type": "bool"},
                {"name": "remarks", "type": "text", "required": False}],
     "required_signatures": ["performed"]},
    {"code": "S70", "title": "End-of-run reconciliation", "operation": "Close-out",
     "after": ["S50", "S60"],
     "instruction": "Weigh the good tablets and the rejects; account for every lot charged.",
     "fields": [{"name": "good_kg", "type": "number", "unit": "kg", "low": 0},
                {"name": "rejects_kg", "type": "number", "unit": "kg", "low": 0}],
     "required_signatures": ["performed", "verified"]},
]  # fmt: skip
SPECS = [
    {"tag": f"{DEMO_LINE}.PRESS.TABLET_WEIGHT", **LIMITS},
    {"tag": f"{DEMO_LINE}.NIR.API_CONC", "low": 9.5, "alert_low": 9.7, "alert_high": 10.3,
     "high": 10.5},
    {"tag": f"{DEMO_LINE}.PRESS.MAIN_FORCE", "low": 8.0, "high": 16.0},
    {"tag": f"{DEMO_LINE}.FEEDER1.MASSFLOW", "low": 1.8, "alert_low": 1.9, "alert_high": 2.1,
     "high": 2.2},
]  # fmt: skip
TESTS = [
    {"test": "assay", "unit": "%", "low": 95.0, "high": 105.0},
    {"test": "content uniformity (AV)", "unit": "", "low": 0.0, "high": 15.0},
    {"test": "dissolution Q30", "unit": "%", "low": 80.0, "high": None},
]


def _sign(meaning: str, reason: str) -> SignatureRequest | None:
    password = people.PASSWORDS.get("qa")
    if password is None:
        return None
    return SignatureRequest(username="qa", password=password, meaning=meaning, reason=reason)


def _fed_lots(start: datetime, end: datetime) -> dict[str, set[str]]:
    """The lot numbers each feeder's LOT tag names over the simulated day."""
    fed: dict[str, set[str]] = {}
    for feeder, material in MATERIALS.items():
        tag = Tag.objects.filter(name=f"{DEMO_LINE}.{feeder}.LOT").first()
        if tag is None:
            continue
        series = read(tag, ReadSpec(start=start, end=end, mode="raw", limit=1_000_000))
        fed[material] = {p.value for p in series.points if p.value}  # type: ignore[union-attr]
    return fed


def seed(out: OutputWrapper) -> list[str]:
    if Line.objects.filter(code=DEMO_LINE).exists():
        out.write(f"line {DEMO_LINE} is defined already: no batch record changed")
        return []
    engineer = User.objects.get(username="engineer")
    supervisor = User.objects.get(username="supervisor")
    qa = User.objects.get(username="qa")
    outlet = Tag.objects.get(name=f"{DEMO_LINE}.OUTLET.MASSFLOW")
    begin = demo_start()
    if begin is None:
        out.write(f"line {DEMO_LINE} has no data: no batch record defined")
        return []
    now = timezone.now().replace(microsecond=0)
    day = begin.replace(hour=0, minute=0, second=0, microsecond=0)
    out.write(f"defining line {DEMO_LINE}, its lots, master record {CODE} and batches …")
    services.line_create(
        actor=engineer, code=DEMO_LINE, name="Continuous direct compression line 1",
        outlet_tag=outlet.name,
    )  # fmt: skip
    notes: list[str] = []
    expiry = (day + timedelta(days=540)).isoformat()
    for material, lots in sorted(_fed_lots(begin, now).items()):
        for number in sorted(lots):
            lot = services.lot_create(
                actor=supervisor, material=material, lot=number, supplier="Demo Pharma Supply",
                quantity=250.0, unit="kg", expires_at=expiry,
            )  # fmt: skip
            signature = _sign("released", "certificate of analysis and receiving record checked")
            if signature is not None:
                services.lot_dispose(actor=qa, lot=lot, decision="release", signature=signature)
    services.lot_create(actor=supervisor, material="API", lot="API-09999", supplier="New Supplier",
                        quantity=50.0, unit="kg", expires_at=expiry)  # fmt: skip
    services.lot_create(actor=supervisor, material="MCC", lot="MCC-01999", supplier="Old stock",
                        quantity=20.0, unit="kg",
                        expires_at=(day - timedelta(days=30)).isoformat())  # fmt: skip
    seed_rtd(engineer, begin)
    record = services.master_create(
        actor=engineer, code=CODE, product="Tablet 10 mg (API 10 % w/w)",
        title="Continuous direct compression, 250 mg tablets", line=DEMO_LINE,
        batch_definition="time", late_after="30m", steps=STEPS, parameter_specs=SPECS,
        lims_tests=TESTS,
    )  # fmt: skip
    record = services.master_transition(actor=engineer, record=record, status="in_review",
                                        reason="ready for QA review")  # fmt: skip
    approved = _sign("approved", "every step, field, limit and specification reviewed")
    released = _sign("released", "released for production")
    if approved is None or released is None:
        notes.append(
            f"{CODE} v1 waits in review and the lots in quarantine: sign in as qa to approve "
            "and release them (the demo does not sign for a person whose password it lacks)."
        )
        return notes
    record = services.master_transition(actor=qa, record=record, status="approved",
                                        reason="review done", signature=approved)  # fmt: skip
    services.master_transition(actor=qa, record=record, status="effective",
                               reason="released for production", signature=released)  # fmt: skip
    if not {"operator", "supervisor"} <= set(people.PASSWORDS):
        notes.append("No batch executed: the demo signs only for people it created in this run.")
        return notes
    feeds = seed_feeds(User.objects.get(username="operator"), begin, now)
    notes += seed_batches(CODE, begin, now)
    count = Batch.objects.count()
    notes.append(f"the RTD tracer study, fitted: {fit_link(begin)}")
    made = f"{MaterialLot.objects.count()} lots, {feeds} feeds, {CODE} v1 effective"
    notes.append(f"line {DEMO_LINE}: {made}, {count} batches, {Deviation.objects.count()} "
                 "deviations")  # fmt: skip
    return notes
