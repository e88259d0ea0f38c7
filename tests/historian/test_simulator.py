"""The line simulator: deterministic under a seed; faults show downstream with the line's
delays; it writes through the real ingest path and repeats store nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command

from historian.simulator import BLENDER_DEAD, TRANSFER_DELAY, Fault, Simulator, tag_definitions

START = datetime(2026, 3, 1, tzinfo=UTC)


def run(seconds: int, seed: int = 1, faults: list[Fault] | None = None) -> list[list[Any]]:
    return list(Simulator(line="L1", start=START, seed=seed, faults=faults or []).samples(seconds))


def series(run_: list[list[dict[str, Any]]], tag: str) -> list[Any]:
    return [next(s["value"] for s in second if s["tag"] == tag) for second in run_]


def test_about_forty_tags_of_every_unit() -> None:
    defs = tag_definitions("L1")
    assert 30 <= len(defs) <= 45
    units = {d["equipment"] for d in defs}
    assert {"L1/FEEDER1", "L1/FEEDER2", "L1/FEEDER3", "L1/BLENDER", "L1/NIR", "L1/PRESS"} <= units
    assert len(run(1)[0]) == len(defs)


def test_the_same_seed_gives_the_same_line_and_another_seed_does_not() -> None:
    assert run(300, seed=5) == run(300, seed=5)
    assert run(300, seed=5) != run(300, seed=6)


def test_a_feeder_drop_reaches_the_nir_after_the_dead_time_and_the_press_later() -> None:
    drop = Fault.parse("feeder_drop@10m+5m:feeder=FEEDER1,factor=0.5")
    base, faulty = run(1500), run(1500, faults=[drop])
    nir_base, nir_fault = series(base, "L1.NIR.API_CONC"), series(faulty, "L1.NIR.API_CONC")
    clean = [(a, b) for a, b in zip(nir_base, nir_fault, strict=True) if None not in (a, b)]
    start = 600
    before = [b - a for a, b in clean[start - 60 : start + BLENDER_DEAD - 1]]
    assert max(abs(d) for d in before) < 0.3  # nothing before the material arrives
    during = [b - a for a, b in clean[start + 300 : start + 360]]
    assert mean(during) < -3.0  # API at 50 %: the concentration falls from ~10 % towards ~5 %
    weight_base = series(base, "L1.PRESS.TABLET_WEIGHT")
    weight_fault = series(faulty, "L1.PRESS.TABLET_WEIGHT")
    delay = BLENDER_DEAD + TRANSFER_DELAY
    assert (
        abs(
            mean(weight_fault[start : start + delay - 1])
            - mean(weight_base[start : start + delay - 1])
        )
        < 1.0
    )
    assert (
        mean(weight_fault[start + 250 : start + 350])
        < mean(weight_base[start + 250 : start + 350]) - 2.0
    )


def test_faults_are_parsed_with_clear_errors() -> None:
    assert Fault.parse("force_spike@1h+2m:kN=9").end == 3720
    with pytest.raises(ValueError, match="kind@offset"):
        Fault.parse("meteor@1h")


@pytest.mark.django_db
def test_simulate_line_ingests_and_a_repeat_stores_nothing() -> None:
    args = [
        "simulate_line",
        "--line",
        "LT",
        "--start",
        "2026-03-01T00:00:00Z",
        "--hours",
        "0.05",
        "--seed",
        "9",
        "--quiet",
        "--chunk",
        "60",
    ]
    out = StringIO()
    call_command(*args, stdout=out)
    assert "6660 samples stored" in out.getvalue()  # 180 s x 37 tags
    again = StringIO()
    call_command(*args, stdout=again)
    assert "0 samples stored, 6660 already there" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_simulate_line_through_the_rest_api(live_server: Any, make_service_account: Any) -> None:
    from historian.management.commands.simulate_line import ensure_line

    ensure_line("LA")  # tags are set up by a process engineer's means, not over ingest
    _, key = make_service_account("sim-api")
    out = StringIO()
    call_command(
        "simulate_line",
        "--line",
        "LA",
        "--start",
        "2026-03-02T00:00:00Z",
        "--hours",
        "0.02",
        "--seed",
        "2",
        "--quiet",
        "--chunk",
        "36",
        "--via",
        "api",
        "--url",
        live_server.url,
        "--token",
        key,
        stdout=out,
    )
    assert "2664 samples stored" in out.getvalue()  # 72 s x 37 tags
