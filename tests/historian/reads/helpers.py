"""What the read tests share: tag names, the REST read, the interpolation fixture's items and
the settings that force parallel plans."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from rest_framework.test import APIClient

FLOW = "L1.FEEDER1.MASSFLOW"
HOUR = timedelta(hours=1)
SETPOINT = "L1.FEEDER1.SETPOINT"
INTERPOLATED_TAGS = (FLOW, SETPOINT, "L1.PRESS.RUNNING", "L1.FEEDER1.LOT")

# PostgreSQL picks parallel plans for long windows; an aggregate whose state cannot pass
# between workers fails only then. Every read test runs twice: as planned, and with parallel
# plans forced on the small data of the test.
FORCE_PARALLEL = (
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    "SET LOCAL min_parallel_table_scan_size = 0",
    "SET LOCAL min_parallel_index_scan_size = 0",
    "SET LOCAL max_parallel_workers_per_gather = 2",
)


def values(client: APIClient, tag: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/historian/tags/{tag}/values/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def interpolation_items(begin: datetime) -> list[dict[str, Any]]:
    """Three hours of a number, a set-point, an on/off and a text tag at uneven times, with
    bad, non-finite and null samples of the number; nothing in the first 7 minutes."""
    rng = random.Random(5)
    items = []
    t = begin + timedelta(minutes=7)  # the first moments have no sample before them
    while t < begin + timedelta(hours=3):
        t += timedelta(seconds=rng.uniform(1, 240))
        quality = rng.choice(["good"] * 6 + ["uncertain", "bad"])
        value: Any = rng.uniform(0, 20)
        if quality == "bad" and rng.random() < 0.5:
            value = rng.choice([None, float("nan")])
        items += [
            {"tag": FLOW, "ts": t.isoformat(), "value": value, "quality": quality},
            {"tag": SETPOINT, "ts": t.isoformat(), "value": round(rng.uniform(1, 3), 1)},
            {"tag": "L1.PRESS.RUNNING", "ts": t.isoformat(), "value": rng.random() < 0.5},
            {"tag": "L1.FEEDER1.LOT", "ts": t.isoformat(), "value": rng.choice(["A", "B"])},
        ]
    return items
