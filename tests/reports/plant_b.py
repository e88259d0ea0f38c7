"""A second plant, independent of the line simulator, for the root-cause known-answer tests:
continuous wet granulation and fluid-bed drying at 1 Hz, with three PI control loops.

- Granulation liquid: GRAN.LIQUID_FLOW (PV) at GRAN.LIQUID_FLOW_SP by GRAN.PUMP_SPEED (OP,
  0–100 %); the pump's delivery per % falls with wear.
- Dryer inlet air: DRYER.INLET_TEMP (PV, a first-order lag of 40 s) at DRYER.INLET_TEMP_SP by
  DRYER.HEATER_POWER (OP, 0–100 %); fouling cuts the heat the heater delivers.
- Drying air: DRYER.AIRFLOW (PV, 8 s lag) at DRYER.AIRFLOW_SP by DRYER.FAN_SPEED (OP).

The granules' moisture (the liquid-to-solid ratio) reaches the dryer after 60 s; the loss on
drying at the dryer's exit, DRYER.LOD (an NIR, the usual deviation's tag), follows the wet
load, the inlet temperature, the airflow and the ambient dew point with a 120 s lag; the mill
current and the tablet hardness follow the LOD later (consequences). Room temperature,
vibration and a powder feed wander on their own (decoys). Nothing here shares code or
constants with historian.simulator.

Faults: pump_wear (the pump delivers 70 % per %: its loop saturates), heater_fouling (half
the heat: saturates), airflow_sp (the operator lowers the airflow set-point: the fan moves
before the airflow does), inlet_sp (the inlet temperature set-point lowered: the heater moves
first), dewpoint (humid ambient air, +6 °C dew point over five minutes).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

FAULTS = ("pump_wear", "heater_fouling", "airflow_sp", "inlet_sp", "dewpoint")
# The true cause of each fault, as the ranking names it: a tag, or the set-point's change.
CAUSES = {
    "pump_wear": ("tag", "G2.GRAN.LIQUID_FLOW"),
    "heater_fouling": ("tag", "G2.DRYER.INLET_TEMP"),
    "airflow_sp": ("equipment_event", "G2.DRYER.AIRFLOW_SP"),
    "inlet_sp": ("equipment_event", "G2.DRYER.INLET_TEMP_SP"),
    "dewpoint": ("tag", "G2.AMBIENT.DEWPOINT"),
}
# name: (unit, step tag)
TAGS = {
    "G2.GRAN.LIQUID_FLOW_SP": ("G2/GRAN", True),
    "G2.GRAN.LIQUID_FLOW": ("G2/GRAN", False),
    "G2.GRAN.PUMP_SPEED": ("G2/GRAN", False),
    "G2.GRAN.POWDER_FEED": ("G2/GRAN", False),
    "G2.GRAN.TORQUE": ("G2/GRAN", False),
    "G2.DRYER.INLET_TEMP_SP": ("G2/DRYER", True),
    "G2.DRYER.INLET_TEMP": ("G2/DRYER", False),
    "G2.DRYER.HEATER_POWER": ("G2/DRYER", False),
    "G2.DRYER.AIRFLOW_SP": ("G2/DRYER", True),
    "G2.DRYER.AIRFLOW": ("G2/DRYER", False),
    "G2.DRYER.FAN_SPEED": ("G2/DRYER", False),
    "G2.DRYER.OUTLET_TEMP": ("G2/DRYER", False),
    "G2.DRYER.LOD": ("G2/DRYER", False),
    "G2.AMBIENT.DEWPOINT": ("G2/AMBIENT", False),
    "G2.ROOM.TEMP": ("G2/ROOM", False),
    "G2.MILL.VIBRATION": ("G2/MILL", False),
    "G2.MILL.CURRENT": ("G2/MILL", False),
    "G2.PRESS.HARDNESS": ("G2/PRESS", False),
}


@dataclass
class _Loop:
    """A PI controller in velocity form with its output clamped to 0–100 %."""

    kc: float
    ki: float
    output: float
    error: float = 0.0

    def answer(self, setpoint: float, measured: float) -> float:
        error = setpoint - measured
        move = self.kc * (error - self.error) + self.ki * error
        self.output = min(max(self.output + move, 0.0), 100.0)
        self.error = error
        return self.output


@dataclass
class PlantB:
    seed: int
    fault: str
    at: int  # s
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"fault is one of {', '.join(FAULTS)}")
        self.rng = np.random.default_rng(self.seed)
        self.pump = _Loop(kc=2.0, ki=0.4, output=80.0)
        self.heater = _Loop(kc=1.5, ki=0.08, output=60.0)
        self.fan = _Loop(kc=0.02, ki=0.01, output=62.5)
        self.liquid, self.inlet, self.air = 8.0, 65.0, 1000.0
        self.outlet, self.lod, self.dew = 40.0, 2.0, 8.0
        self.room, self.powder, self.disturbance = 21.0, 40.0, 0.0
        self.wet = deque([0.2] * 60)  # granules on their way to the dryer
        self.dried = deque([2.0] * 240)  # LOD on its way to the mill and the press

    def samples(self, seconds: int) -> dict[str, np.ndarray]:
        """Every tag, a value per second."""
        out = {name: np.empty(seconds) for name in TAGS}
        for t in range(seconds):
            for name, value in self.step(t).items():
                out[name][t] = value
        return out

    def step(self, t: int) -> dict[str, float]:
        rng, on = self.rng, t >= self.at
        # Set-points: the operator's (two faults are set-point changes).
        liquid_sp = 8.0
        inlet_sp = 58.0 if on and self.fault == "inlet_sp" else 65.0
        air_sp = 820.0 if on and self.fault == "airflow_sp" else 1000.0
        # Granulation liquid: the pump's delivery per % wanders, and wears (fault).
        self.disturbance = 0.98 * self.disturbance + rng.normal(0, 0.002)
        per_percent = 0.1 * (1 + self.disturbance) * (0.7 if on and self.fault == "pump_wear"
                                                       else 1.0)  # fmt: skip
        self.liquid += (self.pump.output * per_percent - self.liquid) / 5.0
        liquid = self.liquid + rng.normal(0, 0.02)
        self.pump.answer(liquid_sp, liquid)
        # Dryer inlet air: a heater through a 40 s lag; fouling cuts the heat delivered.
        heat = 0.5 if on and self.fault == "heater_fouling" else 1.0
        self.inlet += (20.0 + 0.75 * self.heater.output * heat - self.inlet) / 40.0
        inlet = self.inlet + rng.normal(0, 0.1)
        self.heater.answer(inlet_sp, inlet)
        # Drying air: a fan through an 8 s lag.
        self.air += (16.0 * self.fan.output - self.air) / 8.0
        air = self.air + rng.normal(0, 4.0)
        self.fan.answer(air_sp, air)
        # Ambient air: its dew point wanders, and rises by 6 °C over five minutes (fault).
        self.dew += 0.002 * (8.0 - self.dew) + rng.normal(0, 0.01)
        ramp = min(max((t - self.at) / 300.0, 0.0), 1.0) if self.fault == "dewpoint" else 0.0
        dew = self.dew + 6.0 * ramp
        self.powder += 0.01 * (40.0 - self.powder) + rng.normal(0, 0.05)
        self.room += 0.001 * (21.0 - self.room) + rng.normal(0, 0.01)
        # The granules reach the dryer a minute later; the LOD follows in about two.
        self.wet.append(self.liquid / self.powder)
        wet = self.wet.popleft()
        target = (2.0 + 25.0 * (wet - 0.2) - 0.12 * (self.inlet - 65.0)
                  - 0.004 * (self.air - 1000.0) + 0.15 * (dew - 8.0))  # fmt: skip
        self.lod += (target - self.lod) / 120.0
        self.outlet += (0.55 * self.inlet + 0.004 * (self.air - 1000.0) + 4.0
                        - 2.0 * (wet - 0.2) * 10 - self.outlet) / 60.0  # fmt: skip
        self.dried.append(self.lod)
        later = self.dried.popleft()
        return {
            "G2.GRAN.LIQUID_FLOW_SP": liquid_sp,
            "G2.GRAN.LIQUID_FLOW": liquid,
            "G2.GRAN.PUMP_SPEED": self.pump.output,
            "G2.GRAN.POWDER_FEED": self.powder,
            "G2.GRAN.TORQUE": 12.0 + 30.0 * (self.liquid / self.powder - 0.2) + rng.normal(0, 0.05),
            "G2.DRYER.INLET_TEMP_SP": inlet_sp,
            "G2.DRYER.INLET_TEMP": inlet,
            "G2.DRYER.HEATER_POWER": self.heater.output,
            "G2.DRYER.AIRFLOW_SP": air_sp,
            "G2.DRYER.AIRFLOW": air,
            "G2.DRYER.FAN_SPEED": self.fan.output,
            "G2.DRYER.OUTLET_TEMP": self.outlet + rng.normal(0, 0.05),
            "G2.DRYER.LOD": self.lod + rng.normal(0, 0.02),
            "G2.AMBIENT.DEWPOINT": dew + rng.normal(0, 0.05),
            "G2.ROOM.TEMP": self.room + rng.normal(0, 0.02),
            "G2.MILL.VIBRATION": 1.0 + rng.normal(0, 0.1),
            "G2.MILL.CURRENT": 6.0 + 0.8 * (self.dried[120] - 2.0) + rng.normal(0, 0.03),
            "G2.PRESS.HARDNESS": 9.0 - 0.9 * (later - 2.0) + rng.normal(0, 0.1),
        }
