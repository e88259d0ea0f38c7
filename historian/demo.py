"""The demo's process data: a simulated day of line L1 with three faults, and a note on the
first one. Idempotent: a line with data is left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.core.management.base import OutputWrapper

from accounts.models import User
from historian.models import Annotation, Tag
from historian.services import annotation_create

DEMO_LINE = "L1"
DEMO_HOURS = 24.0
DEMO_FAULTS = [
    "feeder_drop@6h+6m:feeder=FEEDER1,factor=0.55",
    "nir_drift@14h+40m:rate=1.5",
    "force_spike@20h+2m:kN=7",
]


def seed(out: OutputWrapper, hours: float | None = None) -> list[str]:
    """A day (or `hours`) of simulated line data from yesterday's midnight UTC, once, and a
    note on its first fault."""
    day = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if Tag.objects.filter(name__startswith=f"{DEMO_LINE}.").exists():
        out.write(f"line {DEMO_LINE} has data already: no sample added")
    else:
        start = day - timedelta(days=1)
        out.write(f"simulating a day of line {DEMO_LINE} from {start.isoformat()} …")
        args = ["simulate_line", "--line", DEMO_LINE, "--start", start.isoformat()]
        hours = DEMO_HOURS if hours is None else hours
        args += ["--hours", str(hours), "--seed", "42"]  # with its progress bar
        for fault in DEMO_FAULTS:
            args += ["--fault", fault]
        call_command(*args, stdout=out)
    tag = Tag.objects.get(name=f"{DEMO_LINE}.FEEDER1.MASSFLOW")
    if Annotation.objects.filter(tag=tag).exists():
        return []
    first = tag.history.order_by("history_date").first()
    begin = (first.history_date if first else day).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if begin >= day:
        begin = day - timedelta(days=1)
    annotation_create(
        actor=User.objects.get(username="demo-seed"),
        tag=tag,
        start=begin + timedelta(hours=6),
        end=begin + timedelta(hours=6, minutes=6),
        text="API feeder bridging: flow at ~55 % until the hopper was tapped (simulated)",
    )
    return []
