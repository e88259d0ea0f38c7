"""The demo's genealogy: the RTD of line L1 from each feeder to the outlet (the simulator's
blender — 15 s dead time, 4 tanks with a 90 s mean residence time — and 45 s of transfer to
the press), and the feeds: every lot the simulator's LOT tags name, charged from the second it
first appears until the next one (feeds are the record; the tags stay process signals)."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.models import User
from ebr import services
from ebr.models import Line, MaterialLot
from historian.demo import DEMO_LINE
from historian.models import Tag
from historian.selectors import ReadSpec, read

FEEDERS = {"FEEDER1": "API", "FEEDER2": "MCC", "FEEDER3": "MgSt"}
RTD = {"model": "tanks_in_series", "n": 4.0, "tau_s": 90.0, "delay_s": 60.0}


def seed_rtd(engineer: User, begin: datetime) -> None:
    line = Line.objects.get(code=DEMO_LINE)
    for feeder in FEEDERS:
        services.rtd_model_create(
            actor=engineer, line=line, feeder=feeder, **RTD,
            effective_from=(begin - timedelta(days=1)).isoformat(),
            reason="Tracer study TS-L1-01: blender 15 s dead time + 4 tanks (τ 90 s), 45 s "
                   "transfer to the press",
        )  # fmt: skip


def lot_switches(feeder: str, begin: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """(when, lot number) each time the feeder's LOT tag names another lot."""
    tag = Tag.objects.filter(name=f"{DEMO_LINE}.{feeder}.LOT").first()
    if tag is None:
        return []
    series = read(tag, ReadSpec(start=begin, end=end, mode="raw", limit=1_000_000))
    points = getattr(series, "points", [])
    switches: list[tuple[datetime, str]] = []
    for point in points:
        if point.value and (not switches or switches[-1][1] != point.value):
            switches.append((point.ts, point.value))
    return switches


def seed_feeds(operator: User, begin: datetime, end: datetime) -> int:
    line = Line.objects.get(code=DEMO_LINE)
    count = 0
    for feeder, material in FEEDERS.items():
        for when, number in lot_switches(feeder, begin, end):
            if not MaterialLot.objects.filter(material=material, lot=number).exists():
                continue
            services.feed_charge(actor=operator, line=line, feeder=feeder, material=material,
                                 lot=number, start=when.isoformat())  # fmt: skip
            count += 1
    return count


def fit_link(begin: datetime) -> str:
    """The RTD fit page over the demo's tracer study (20 to 45 minutes into the data)."""
    from urllib.parse import urlencode

    query = urlencode({
        "feeder": "FEEDER1", "input_tag": f"{DEMO_LINE}.FEEDER1.MASSFLOW",
        "output_tag": f"{DEMO_LINE}.NIR.API_CONC", "model": "tanks_in_series",
        "start": (begin + timedelta(minutes=10)).isoformat(),
        "end": (begin + timedelta(minutes=60)).isoformat(),
    })  # fmt: skip
    return f"/ebr/lines/{DEMO_LINE}/rtd/?{query}"
