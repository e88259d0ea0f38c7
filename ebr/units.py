"""Mass and mass-flow units a line's outlet and a batch's quantity are given in, as factors
to kilograms and kilograms per hour (a quantity batch integrates its outlet flow)."""

from __future__ import annotations

MASS_KG = {"kg": 1.0, "g": 1e-3, "mg": 1e-6, "t": 1000.0}
MASS_FLOW_KG_PER_H = {
    "kg/h": 1.0,
    "kg/min": 60.0,
    "kg/s": 3600.0,
    "g/h": 1e-3,
    "g/min": 0.06,
    "g/s": 3.6,
    "t/h": 1000.0,
}
