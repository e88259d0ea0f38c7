"""A digital twin of a continuous direct-compression line, at 1 Hz.

Three loss-in-weight feeders (API, filler, lubricant), each a gravimetric control loop: the
mass flow (PV) held at its set-point (SP) by a PI controller moving the screw speed (OP, within
its range), with hopper weight, refills and lot switches; a continuous
blender (speed, hold-up) whose residence time distribution (tanks in series
plus dead time) carries the feed ratios to an NIR analyser at its outlet; and
a tablet press (turret speed, forces, tablet weight, hardness, rejects) fed
after a transfer delay. Faults injected upstream show downstream with the
delays of the line. Deterministic under a seed.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from audit.canonical import format_ts

FEEDERS = (
    # code, material, share of the blend, lot prefix, refill every (kg)
    ("FEEDER1", "API", 0.10, "API", 2.0),
    ("FEEDER2", "MCC", 0.88, "MCC", 12.0),
    ("FEEDER3", "MgSt", 0.02, "MGS", 0.5),
)
TOTAL_FLOW = 20.0  # kg/h
BLENDER_TAU = 90.0  # s, mean residence time
BLENDER_TANKS = 4
BLENDER_DEAD = 15  # s
TRANSFER_DELAY = 45  # s, blender outlet → press feed frame
TABLET_TARGET = 250.0  # mg
SCREW_NOMINAL = 60.0  # rpm at the set-point with nominal material
SCREW_MAX = 78.0  # rpm: the screw's range ends at 130 % of nominal
# The gravimetric controller (PI, velocity form, once a second), in units of the loop's gain:
# its output moves by (KC·Δe + KI·e)/gain rpm, e the set-point minus the measured flow.
LOOP_KC, LOOP_KI = 0.2, 0.1


def tag_definitions(line: str) -> list[dict[str, Any]]:
    """The tags of the line: name, equipment, unit, type, step, classification, range, and
    process limits (specification, alert) on the quality attributes."""
    defs: list[dict[str, Any]] = []

    def add(
        unit_code: str,
        name: str,
        unit: str,
        description: str,
        *,
        value_type: str = "float",
        step: bool | None = None,
        classification: str = "monitoring",
        low: float | None = None,
        high: float | None = None,
        spec: tuple[float, float] | None = None,
        alert: tuple[float, float] | None = None,
    ) -> None:
        defs.append(
            {
                "name": f"{line}.{unit_code}.{name}",
                "equipment": f"{line}/{unit_code}",
                "unit": unit,
                "description": description,
                "value_type": value_type,
                "step": step,
                "classification": classification,
                "range_low": low,
                "range_high": high,
                "spec_low": spec[0] if spec else None,
                "spec_high": spec[1] if spec else None,
                "alert_low": alert[0] if alert else None,
                "alert_high": alert[1] if alert else None,
            }
        )

    for code, material, share, _, _ in FEEDERS:
        flow = TOTAL_FLOW * share
        add(code, "MASSFLOW_SP", "kg/h", f"{material} mass flow set-point", step=True)
        add(
            code,
            "MASSFLOW",
            "kg/h",
            f"{material} mass flow",
            classification="CPP",
            low=round(flow * 0.9, 3),
            high=round(flow * 1.1, 3),
        )
        add(code, "HOPPER_WEIGHT", "kg", f"{material} hopper net weight")
        add(code, "SCREW_SPEED", "rpm", f"{material} screw speed (the flow controller's output)")
        add(code, "REFILLING", "", f"{material} hopper refill in progress", value_type="bool")
        add(code, "LOT", "", f"{material} lot being fed", value_type="string")
    add(
        "BLENDER", "SPEED", "rpm", "Blender impeller speed", classification="KPP", low=200, high=300
    )
    add("BLENDER", "HOLDUP", "kg", "Blender hold-up mass")
    add("BLENDER", "TORQUE", "N·m", "Blender torque")
    add(
        "NIR",
        "API_CONC",
        "% w/w",
        "API concentration at the blender outlet (NIR)",
        classification="CQA",
        low=9.0,
        high=11.0,
        spec=(9.5, 10.5),
        alert=(9.7, 10.3),
    )
    add("NIR", "SPECTRA_OK", "", "NIR spectrum quality check passed", value_type="bool")
    add("PRESS", "TURRET_SPEED", "rpm", "Turret speed")
    add("PRESS", "FEED_FRAME_SPEED", "rpm", "Feed frame paddle speed")
    add("PRESS", "FILL_DEPTH", "mm", "Fill depth")
    add("PRESS", "PRECOMP_FORCE", "kN", "Pre-compression force")
    add(
        "PRESS",
        "MAIN_FORCE",
        "kN",
        "Main compression force",
        classification="CPP",
        low=8.0,
        high=16.0,
    )
    add(
        "PRESS",
        "TABLET_WEIGHT",
        "mg",
        "Tablet weight (mean of the last sample)",
        classification="CQA",
        low=237.5,
        high=262.5,
        spec=(242.5, 257.5),
        alert=(245.0, 255.0),
    )
    add("PRESS", "HARDNESS", "kP", "Tablet hardness", classification="CQA", low=8.0, high=14.0)
    add("PRESS", "REJECTS", "count", "Tablets rejected (cumulative)", value_type="int")
    add("PRESS", "OUTPUT_RATE", "tablets/min", "Tablet output rate")
    add(
        "OUTLET",
        "MASSFLOW",
        "kg/h",
        "Mass flow of tablets leaving the line (the outlet a quantity batch integrates)",
        classification="KPP",
    )
    add(
        "LINE",
        "THROUGHPUT",
        "kg/h",
        "Total mass flow into the blender",
        classification="KPP",
        low=18.0,
        high=22.0,
    )
    add("LINE", "STATE", "", "Line state", value_type="string")
    add("LINE", "ROOM_TEMP", "°C", "Process room temperature")
    add("LINE", "ROOM_RH", "%", "Process room relative humidity")
    return defs


_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    match = _OFFSET.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 30m, 2h")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Fault:
    """`kind@offset[+duration][:key=value,...]`: feeder_drop (bridging: the feeder's screw
    delivers `factor` of its material per turn, default 0.5; its controller speeds the screw
    up to the end of its range), nir_drift, force_spike, and tracer_step (an RTD test: one
    feeder's set-point times `factor`, default 1.08, its NIR response at the blender
    outlet)."""

    kind: str
    start: float
    end: float
    args: dict[str, str]

    KINDS = ("feeder_drop", "nir_drift", "force_spike", "tracer_step")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        head, _, tail = spec.partition(":")
        kind, _, when = head.partition("@")
        if kind not in cls.KINDS or not when:
            raise ValueError(
                f"fault {spec!r}: use kind@offset[+duration][:k=v,…] with kind one "
                f"of {', '.join(cls.KINDS)}, e.g. feeder_drop@2h+5m:feeder=FEEDER1"
            )
        offset, _, duration = when.partition("+")
        start = parse_duration(offset)
        length = parse_duration(duration) if duration else 60.0
        args = dict(pair.split("=", 1) for pair in tail.split(",") if "=" in pair)
        return cls(kind, start, start + length, args)

    def active(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass
class FeederState:
    code: str
    share: float
    lot_prefix: str
    refill_kg: float
    hopper: float
    lot_number: int = 1
    refilling: int = 0
    noise: float = 0.0
    screw: float = SCREW_NOMINAL  # the controller's output (rpm)
    error: float = 0.0  # its last error (kg/h)


@dataclass
class Simulator:
    line: str
    start: datetime
    seed: int = 1
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.feeders = [
            FeederState(code, share, prefix, refill, hopper=refill * 1.2)
            for code, _, share, prefix, refill in FEEDERS
        ]
        self.tanks_api = [TOTAL_FLOW * 0.10] * BLENDER_TANKS
        self.tanks_total = [TOTAL_FLOW] * BLENDER_TANKS
        self.dead = deque([(TOTAL_FLOW * 0.10, TOTAL_FLOW)] * BLENDER_DEAD)
        self.transfer = deque([TOTAL_FLOW] * TRANSFER_DELAY)
        self.rejects = 0
        self.drift = 0.0
        self.temp = 21.0
        self.rh = 35.0

    def _fault(self, kind: str, t: float) -> Fault | None:
        return next((f for f in self.faults if f.kind == kind and f.active(t)), None)

    def step(self, t: int) -> list[tuple[str, Any, str]]:
        """One second of the line: [(tag suffix, value, quality)]."""
        rng = self.rng
        out: list[tuple[str, Any, str]] = []
        flows = {}
        drop = self._fault("feeder_drop", t)
        tracer = self._fault("tracer_step", t)
        for feeder in self.feeders:
            nominal = TOTAL_FLOW * feeder.share
            setpoint = nominal
            if tracer and tracer.args.get("feeder", "FEEDER1") == feeder.code:
                setpoint *= float(tracer.args.get("factor", "1.08"))
            feeder.noise = 0.9 * feeder.noise + rng.gauss(0, 0.004)
            # What one turn delivers (kg/h per rpm): the material's flowability varies, more so
            # while the hopper refills; bridging (feeder_drop) cuts it.
            per_rpm = nominal / SCREW_NOMINAL
            per_rpm *= 1 + feeder.noise + (rng.gauss(0, 0.02) if feeder.refilling else 0)
            if drop and drop.args.get("feeder", "FEEDER1") == feeder.code:
                per_rpm *= float(drop.args.get("factor", "0.5"))
            flow = max(feeder.screw * per_rpm, 0.0)
            # The controller answers the measured flow by moving the screw, within its range.
            error = setpoint - flow
            move = LOOP_KC * (error - feeder.error) + LOOP_KI * error
            feeder.screw = min(max(feeder.screw + move * SCREW_NOMINAL / nominal, 0.0), SCREW_MAX)
            feeder.error = error
            feeder.hopper -= flow / 3600.0
            if feeder.refilling:
                feeder.hopper += feeder.refill_kg / 30.0
                feeder.refilling -= 1
            elif feeder.hopper < feeder.refill_kg * 0.25:
                feeder.refilling = 30
                if rng.random() < 0.25:  # a new lot arrives with one refill in four
                    feeder.lot_number += 1
            flows[feeder.code] = flow
            p = feeder.code + "."
            out += [
                (p + "MASSFLOW_SP", round(setpoint, 4), "good"),
                (p + "MASSFLOW", round(flow, 4), "good"),
                (p + "HOPPER_WEIGHT", round(feeder.hopper + rng.gauss(0, 0.002), 4), "good"),
                (p + "SCREW_SPEED", round(feeder.screw, 2), "good"),
                (p + "REFILLING", bool(feeder.refilling), "good"),
                (p + "LOT", f"{feeder.lot_prefix}-{2600 + feeder.lot_number:05d}", "good"),
            ]
        api_in = flows["FEEDER1"]
        total_in = sum(flows.values())
        # Blender: dead time, then tanks in series (the RTD), for API and for all material.
        self.dead.append((api_in, total_in))
        api_dead, total_dead = self.dead.popleft()
        rate = BLENDER_TANKS / BLENDER_TAU
        prev_api, prev_total = api_dead, total_dead
        for i in range(BLENDER_TANKS):
            self.tanks_api[i] += rate * (prev_api - self.tanks_api[i])
            self.tanks_total[i] += rate * (prev_total - self.tanks_total[i])
            prev_api, prev_total = self.tanks_api[i], self.tanks_total[i]
        concentration = 100.0 * prev_api / prev_total if prev_total > 0 else 0.0
        drift = self._fault("nir_drift", t)
        if drift:
            self.drift += float(drift.args.get("rate", "0.5")) / 3600.0
        nir = concentration + self.drift + rng.gauss(0, 0.08)
        nir_ok = rng.random() > 0.002
        holdup = total_in * BLENDER_TAU / 3600.0
        out += [
            ("BLENDER.SPEED", round(250 + rng.gauss(0, 1.5), 2), "good"),
            ("BLENDER.HOLDUP", round(holdup + rng.gauss(0, 0.005), 4), "good"),
            ("BLENDER.TORQUE", round(3.2 + holdup * 2 + rng.gauss(0, 0.05), 3), "good"),
            ("NIR.API_CONC", round(nir, 3) if nir_ok else None, "good" if nir_ok else "bad"),
            ("NIR.SPECTRA_OK", nir_ok, "good"),
        ]
        # Press: fed after the transfer delay; less material → shallower fill → lighter tablets.
        self.transfer.append(prev_total)
        arriving = self.transfer.popleft()
        ratio = arriving / TOTAL_FLOW
        turret = 40.0 + rng.gauss(0, 0.2)
        weight = TABLET_TARGET * (0.6 + 0.4 * ratio) + rng.gauss(0, 1.5)
        force = 12.0 * (weight / TABLET_TARGET) ** 2 + rng.gauss(0, 0.15)
        spike = self._fault("force_spike", t)
        if spike:
            force += float(spike.args.get("kN", "8"))
        hardness = 11.0 * force / 12.0 + rng.gauss(0, 0.2)
        if abs(weight - TABLET_TARGET) > 0.05 * TABLET_TARGET or force > 18:
            self.rejects += rng.randint(3, 8)
        self.temp += 0.01 * (21.0 - self.temp) + rng.gauss(0, 0.01)
        self.rh += 0.01 * (35.0 - self.rh) + rng.gauss(0, 0.05)
        out += [
            ("PRESS.TURRET_SPEED", round(turret, 2), "good"),
            ("PRESS.FEED_FRAME_SPEED", round(30 + rng.gauss(0, 0.3), 2), "good"),
            ("PRESS.FILL_DEPTH", round(8.5 * weight / TABLET_TARGET, 3), "good"),
            ("PRESS.PRECOMP_FORCE", round(force * 0.25 + rng.gauss(0, 0.05), 3), "good"),
            ("PRESS.MAIN_FORCE", round(force, 3), "good"),
            ("PRESS.TABLET_WEIGHT", round(weight, 2), "good"),
            ("PRESS.HARDNESS", round(hardness, 2), "good"),
            ("PRESS.REJECTS", self.rejects, "good"),
            ("PRESS.OUTPUT_RATE", round(turret * 36 * (1 + rng.gauss(0, 0.002)), 1), "good"),
            # What reaches the press leaves it (no random draw: the seeded data stays as it was).
            ("OUTLET.MASSFLOW", round(arriving, 4), "good"),
            ("LINE.THROUGHPUT", round(total_in, 4), "good"),
            ("LINE.STATE", "running", "good"),
            ("LINE.ROOM_TEMP", round(self.temp, 3), "good"),
            ("LINE.ROOM_RH", round(self.rh, 3), "good"),
        ]
        return out

    def samples(self, seconds: int, offset: int = 0) -> Iterator[list[dict[str, Any]]]:
        """Per simulated second, its samples as ingest items."""
        for t in range(offset, offset + seconds):
            ts = format_ts(self.start + timedelta(seconds=t))
            yield [
                {"tag": f"{self.line}.{suffix}", "ts": ts, "value": value, "quality": quality}
                for suffix, value, quality in self.step(t)
            ]
