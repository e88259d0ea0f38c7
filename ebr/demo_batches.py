"""The demo's batches over the simulated day, so a new user sees the whole flow at once:

1. released: every step executed and verified, every exception reviewed, released by QA
   once its LIMS results are verified (lims_bridge.demo pushes them and releases it);
2. closed and waiting for QA: executed and verified, with the simulator's faults as CPP
   excursion deviations, an out-of-limit weight check (a step_limit deviation) and a
   corrected entry — QA closes the deviations, reviews the exceptions and releases it;
3. in progress: its first steps done, the press start-up open for an operator to continue.

The windows are fractions of the simulated span (a day in the demo, minutes in its test). The
people sign with the passwords the accounts demo printed in this same run."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts import demo as people
from accounts.models import User
from audit.signing import SignatureRequest
from ebr import providers, services
from ebr.models import Batch, Deviation, DeviationStatus
from ebr.services.monitoring import cpp_check
from historian.demo import DEMO_LINE
from historian.models import Tag
from historian.selectors import ReadSpec, read

FEEDERS = {"API": "FEEDER1", "MCC": "FEEDER2", "MgSt": "FEEDER3"}
HARDNESS = {"hardness": 11.2, "appearance_ok": True}


def _sign(username: str, meaning: str, reason: str) -> SignatureRequest:
    return SignatureRequest(username=username, password=people.PASSWORDS[username],
                            meaning=meaning, reason=reason)  # fmt: skip


class Story:
    """Signs as the demo's operator, supervisor and QA reviewer."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.operator = User.objects.get(username="operator")
        self.supervisor = User.objects.get(username="supervisor")
        self.qa = User.objects.get(username="qa")

    def enter(self, batch: Batch, step: str, values: dict[str, Any], **extra: Any) -> Any:
        return services.entry_record(
            actor=self.operator, batch=batch, step_code=step, values=values,
            signature=_sign("operator", "performed", extra.pop("why", "step performed")), **extra,
        )  # fmt: skip

    def verify(self, batch: Batch, step: str) -> None:
        checked = _sign("supervisor", "verified", "checked on the line")
        services.entry_verify(actor=self.supervisor, batch=batch, step_code=step,
                              signature=checked)  # fmt: skip

    def plan(self, number: str, start: datetime, end: datetime) -> Batch:
        batch = services.batch_create(
            actor=self.supervisor, batch_number=number, master_record=self.code, line=DEMO_LINE,
            start=start.isoformat(), end=end.isoformat(), planned_quantity=160.0, unit="kg",
        )  # fmt: skip
        return services.batch_transition(actor=self.supervisor, batch=batch,
                                         status="in_progress", reason="line running")  # fmt: skip

    def start_up(self, batch: Batch) -> None:
        """Line clearance and the charged lots (both verified), set-points."""
        self.enter(batch, "S10", {"line_clear": True, "room": DEMO_LINE})
        self.verify(batch, "S10")
        lots = {f"{m.lower()}_lot": _lot_at(feeder, batch.start) for m, feeder in FEEDERS.items()}
        self.enter(batch, "S20", lots)
        self.verify(batch, "S20")
        self.enter(batch, "S30", {"api_rate": 2.0, "mcc_rate": 17.6, "mgst_rate": 0.4})

    def run(self, batch: Batch, weights: list[tuple[datetime, float]]) -> None:
        """Press start-up and the in-process checks: weights as (checked at, mean)."""
        self.enter(batch, "S40", {"turret_speed": 40, "tooling": "10 mm round"})
        for at, mean in weights:
            self.enter(batch, "S50", {"mean_weight": mean, "checked_at": at.isoformat()})

    def close(self, batch: Batch) -> Batch:
        closed = services.batch_transition(actor=self.supervisor, batch=batch, status="closed",
                                           reason="end of the batch's window")  # fmt: skip
        made = closed.actual_quantity or 0.0
        self.enter(closed, "S70", {"good_kg": round(made * 0.985, 1),
                                   "rejects_kg": round(made * 0.015, 1)})  # fmt: skip
        self.verify(closed, "S70")
        return closed

    def release(self, batch: Batch) -> None:
        """QA closes what is open, reviews every exception, then releases."""
        for deviation in Deviation.objects.filter(batch=batch).exclude(
            status=DeviationStatus.CLOSED
        ):
            services.deviation_transition(
                actor=self.qa, deviation=deviation, status="closed", reason="investigated",
                root_cause="Transient disturbance of the simulated line, back within a minute",
                impact="None: the material was within its quality attributes at the outlet",
                capa="CAPA-DEMO-001",
                signature=_sign("qa", "approved", "investigation complete"),
            )  # fmt: skip
        batch = services.batch_transition(actor=self.qa, batch=batch, status="under_review",
                                          reason="QA review")  # fmt: skip
        for item in providers.review_exceptions(batch):
            services.exception_review(actor=self.qa, batch=batch, exception_id=item.id,
                                      comment="Looked at the entry and its context: acceptable.",
                                      signature=_sign("qa", "reviewed", "reviewed"))  # fmt: skip
        released = _sign("qa", "released", "batch record reviewed")
        services.batch_dispose(actor=self.qa, batch=batch, decision="release",
                               signature=released)  # fmt: skip


def _lot_at(feeder: str, at: datetime) -> str:
    """`material/lot` of the lot in a feeder at a moment (its LOT tag, the latest value)."""
    material = next(m for m, f in FEEDERS.items() if f == feeder)
    tag = Tag.objects.get(name=f"{DEMO_LINE}.{feeder}.LOT")
    points = read(
        tag,
        ReadSpec(
            start=at - timedelta(hours=1),
            end=at + timedelta(seconds=1),
            mode="raw",
            limit=1_000_000,
        ),
    ).points  # type: ignore[union-attr]
    if not points:  # the window begins with the data: the first lot of the day
        points = read(tag, ReadSpec(start=at, end=at + timedelta(days=1), mode="raw",
                                    limit=1)).points  # type: ignore[union-attr]  # fmt: skip
    return f"{material}/{points[-1].value if points else ''}"


def _monitor(batch: Batch) -> None:
    """The data is stored already: check the specs now, as the monitor does when it arrives."""
    for spec in batch.master_record.parameter_specs:
        cpp_check(batch, spec["tag"])


def seed_batches(code: str, start: datetime, end: datetime) -> list[str]:
    story = Story(code)
    span = end - start

    def at(fraction: float) -> datetime:
        return (start + span * fraction).replace(microsecond=0)

    number = f"B-{start:%y%m%d}"
    # The first hour is the RTD tracer study (historian.demo): production begins after it.
    first = story.plan(f"{number}-1", at(1 / 24), at(5 / 24))
    story.start_up(first)
    story.run(first, [(at(f / 24), w) for f, w in ((1.5, 250.2), (2.5, 249.8), (4, 250.4))])
    story.enter(first, "S60", HARDNESS)
    first = story.close(first)
    _monitor(first)
    # Released by QA once its LIMS results are in (lims_bridge.demo): the master record
    # requires them, so they gate the release.

    second = story.plan(f"{number}-2", at(5 / 24), at(18 / 24))
    story.start_up(second)
    # The API feeder's bridging (6 h) shows in the weight check just after it.
    weights = [(at(6 / 24), 249.9), (at(6.1 / 24), 241.9), (at(9 / 24), 250.3),
               (at(12 / 24), 250.0), (at(15 / 24), 249.7)]  # fmt: skip
    story.run(second, weights)
    wrong = story.enter(second, "S60", {**HARDNESS, "appearance_ok": False})
    story.enter(second, "S60", HARDNESS, corrects=wrong.pk,
                reason="Ticked 'not OK' by mistake: the tablets looked fine.")  # fmt: skip
    second = story.close(second)
    _monitor(second)

    third = story.plan(f"{number}-3", at(18 / 24), end + timedelta(hours=2))
    story.start_up(third)
    _monitor(third)
    return [
        f"batches: {first} released, {second} closed and waiting for QA review, {third} in "
        "progress (its press start-up, S40, is open for the operator)"
    ]
