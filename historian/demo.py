"""The demo's process data: the simulated 24 hours of line L1 that end when the demo is first
seeded, with an RTD tracer study and three faults, and a note on the first fault. Idempotent: a
line with data is left alone (`make db-reset` starts over)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.core.management.base import OutputWrapper

from accounts.models import User
from historian.models import Annotation, Tag
from historian.selectors import ReadSpec, read
from historian.services import annotation_create

DEMO_LINE = "L1"
DEMO_HOURS = 24.0
DEMO_FAULTS = [
    # An RTD tracer study before production: the API feeder's rate +10 % for 25 minutes.
    "tracer_step@20m+25m:feeder=FEEDER1,factor=1.1",
    "feeder_drop@6h+6m:feeder=FEEDER1,factor=0.55",
    "nir_drift@14h+40m:rate=1.5",
    "force_spike@20h+2m:kN=7",
]


def demo_start() -> datetime | None:
    """When the demo's simulated data begins (its first outlet sample), or None before."""
    tag = Tag.objects.filter(name=f"{DEMO_LINE}.OUTLET.MASSFLOW").first()
    if tag is None:
        return None
    ever = ReadSpec(start=datetime(2000, 1, 1, tzinfo=UTC), end=datetime(2100, 1, 1, tzinfo=UTC),
                    mode="raw", limit=1)  # fmt: skip
    first = read(tag, ever)
    points = getattr(first, "points", [])
    return points[0].ts if points else None


def seed(out: OutputWrapper, hours: float | None = None) -> list[str]:
    """The 24 hours (or `hours`) of simulated line data that end now, once, and a note on
    its first fault."""
    if Tag.objects.filter(name__startswith=f"{DEMO_LINE}.").exists():
        out.write(f"line {DEMO_LINE} has data already: no sample added")
    else:
        hours = DEMO_HOURS if hours is None else hours
        start = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(hours=hours)
        out.write(f"simulating line {DEMO_LINE} from {start.isoformat()} until now …")
        args = ["simulate_line", "--line", DEMO_LINE, "--start", start.isoformat()]
        args += ["--hours", str(hours), "--seed", "42"]  # with its progress bar
        for fault in DEMO_FAULTS:
            args += ["--fault", fault]
        call_command(*args, stdout=out)
    tag = Tag.objects.get(name=f"{DEMO_LINE}.FEEDER1.MASSFLOW")
    begin = demo_start()
    if Annotation.objects.filter(tag=tag).exists() or begin is None:
        return []
    annotation_create(
        actor=User.objects.get(username="demo-seed"),
        tag=tag,
        start=begin + timedelta(hours=6),
        end=begin + timedelta(hours=6, minutes=6),
        text="API feeder bridging: flow at ~70 % with the screw at the end of its range, until "
        "the hopper was tapped (simulated)",
    )
    return []
