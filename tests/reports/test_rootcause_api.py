"""The root-cause ranking through the API, on the real cluster: a simulated line with a planted
feeder drop, its RTD models, a lot switch and a step entry; the answer's contract (API.md),
the planted cause first, every kind of candidate, evidence charts; a deviation without a tag;
the two resolutions of a long look-back; bad input refused with the parameter named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from audit.actors import SystemActor
from audit.canonical import format_ts
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Line
from tests.conftest import PASSWORD
from tests.ebr.test_batches import effective

URL = "/api/v1/ebr/deviations/{}/root-cause/"


@pytest.fixture
def line_with_fault(make_user: Any) -> dict[str, Any]:
    """Ninety minutes of line LR ending now, the API feeder bridging from minute 78 for six
    minutes; the blender's RTD for every feeder; a new MCC lot charged at minute 20; a CQA
    excursion on the NIR raised a minute after the drop; a manual deviation without a tag; a
    step entry and its correction recorded now (after the drop)."""
    start = timezone.now().astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=90)
    call_command(
        "simulate_line", "--line", "LR", "--start", start.isoformat(), "--hours", "1.5",
        "--seed", "2", "--fault", "feeder_drop@78m+6m:feeder=FEEDER1,factor=0.55", "--quiet",
        stdout=StringIO(),
    )  # fmt: skip
    eli = make_user(R.PROCESS_ENGINEER, username="rc-eli")
    sam = make_user(R.SUPERVISOR, username="rc-sam")
    quinn = make_user(R.QA_REVIEWER, username="quinn")
    olga = make_user(R.OPERATOR, username="rc-olga")
    services.line_create(actor=eli, code="LR", name="Line R", outlet_tag="LR.OUTLET.MASSFLOW")
    line = Line.objects.get(code="LR")
    for feeder in ("FEEDER1", "FEEDER2", "FEEDER3"):
        services.rtd_model_create(
            actor=eli, line=line, feeder=feeder, model="tanks_in_series", n=4.0, tau_s=90.0,
            delay_s=15.0, reason="tracer study", effective_from=format_ts(start - timedelta(
                days=1)),
        )  # fmt: skip
    lot = services.lot_create(actor=sam, material="MCC", lot="MCC-R1")
    services.lot_dispose(actor=quinn, lot=lot, decision="release", signature=SignatureRequest(
        username="quinn", password=PASSWORD, meaning="released", reason="COA"))  # fmt: skip
    services.feed_charge(actor=sam, line=line, feeder="FEEDER2", material="MCC", lot="MCC-R1",
                         start=format_ts(start + timedelta(minutes=20)))  # fmt: skip
    drop = start + timedelta(minutes=78)
    deviation, _ = services.deviation_raise(
        actor=SystemActor("system:cpp-monitor"), line="LR", kind="cpp_excursion",
        severity="major", tag="LR.NIR.API_CONC", start=format_ts(drop + timedelta(minutes=1)),
        end=format_ts(drop + timedelta(minutes=9)), description="API below 9.5 % w/w",
        source_key="rc:nir",
    )  # fmt: skip
    untagged, _ = services.deviation_raise(
        actor=sam, line="LR", kind="manual", severity="minor", start=format_ts(drop),
        description="Operator saw the API feeder's screw race",
    )  # fmt: skip
    # A batch running on the line, an entry and its correction (recorded now: after the drop).
    record = services.master_create(actor=eli, code="MR-R", product="P", title="T", line="LR",
                                    steps=[{"code": "S20", "title": "Start-up", "fields": [
                                        {"name": "press_speed", "type": "number"}]}])  # fmt: skip
    effective(record, eli, quinn)
    batch = services.batch_create(actor=sam, batch_number="BR-1", master_record="MR-R",
                                  line="LR", start=format_ts(start),
                                  end=format_ts(start + timedelta(hours=8)))  # fmt: skip
    services.batch_transition(actor=sam, batch=batch, status="in_progress", reason="go")
    signed = SignatureRequest(username="rc-olga", password=PASSWORD, meaning="performed",
                              reason="done")  # fmt: skip
    entry = services.entry_record(actor=olga, batch=batch, step_code="S20",
                                  values={"press_speed": 52}, signature=signed)  # fmt: skip
    services.entry_record(actor=olga, batch=batch, step_code="S20",
                          values={"press_speed": 50}, corrects=entry.pk,
                          reason="typed 52 for 50", signature=signed)  # fmt: skip
    client = APIClient()
    client.force_login(eli)
    return {"client": client, "deviation": deviation, "untagged": untagged, "start": start,
            "drop": drop}  # fmt: skip


@pytest.mark.django_db
def test_the_planted_cause_ranks_first_with_its_evidence(line_with_fault: dict[str, Any]) -> None:
    client, deviation = line_with_fault["client"], line_with_fault["deviation"]
    answer = client.get(URL.format(deviation.number), {"series": "3"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    candidates = body["candidates"]
    best = candidates[0]
    assert (best["kind"], best["ref"], best["tag"]) == ("tag",) + ("LR.FEEDER1.MASSFLOW",) * 2
    assert best["score"] > 0.7, best
    assert min(c["score"] for c in candidates) >= 0
    assert best["evidence"]["lag_source"] == "rtd"
    assert "version 1" in best["evidence"]["rtd_model"]
    assert best["lag_s"] == pytest.approx(105, abs=30)
    onset = datetime.fromisoformat(best["onset"])
    assert onset.utcoffset() == timedelta(0)
    assert best["onset"].endswith("Z")
    assert abs((onset - line_with_fault["drop"]).total_seconds()) <= 20
    assert [c["score"] for c in candidates] == sorted((c["score"] for c in candidates),
                                                      reverse=True)  # fmt: skip
    assert {c["kind"] for c in candidates} == {"tag", "lot_switch", "step_entry",
                                               "equipment_event"}  # fmt: skip
    entries = [c for c in candidates if c["kind"] == "step_entry"]
    assert len(entries) == 2
    assert any(c["evidence"]["corrects"] for c in entries)  # a correction counts too
    assert all(c["evidence"]["consequence"] for c in entries)  # recorded after the drop
    feed = next(c for c in candidates if c["kind"] == "lot_switch")
    assert feed["ref"].startswith("feed:")
    assert feed["evidence"]["lot"] == "MCC-R1"
    events = {c["ref"].split("@")[0] for c in candidates if c["kind"] == "equipment_event"}
    assert {"LR.FEEDER1.REFILLING", "LR.NIR.SPECTRA_OK"} <= events
    screw = next(c for c in candidates if c["ref"] == "LR.FEEDER1.SCREW_SPEED")
    assert screw["evidence"]["loop"]["role"] == "controller output"
    assert screw["score"] < 0.1
    assert (
        next(c for c in candidates if c["ref"] == "LR.OUTLET.MASSFLOW")["evidence"]["consequence"]
        is True
    )
    # Every tag of the line is a candidate, or the source of its events.
    assert {c["tag"] for c in candidates if c["kind"] == "tag"} >= {
        "LR.FEEDER2.MASSFLOW",
        "LR.PRESS.MAIN_FORCE",
        "LR.LINE.ROOM_TEMP",
    }
    assert body["target"]["tag"] == "LR.NIR.API_CONC"
    assert body["target"]["onset"]
    assert body["resolutions_s"] == [10]
    assert "PI law" in body["method"]
    assert body["caveats"]
    charts = body["series"]
    assert len(charts) == 3
    assert charts[0]["ref"] == best["ref"]
    assert len(charts[0]["target"]) == len(charts[0]["carried"]) == len(charts[0]["fitted"]) > 30


@pytest.mark.django_db
def test_a_deviation_without_a_tag_ranks_the_changes_in_its_window(
    line_with_fault: dict[str, Any],
) -> None:
    client, untagged = line_with_fault["client"], line_with_fault["untagged"]
    body = client.get(URL.format(untagged.number)).json()
    assert body["target"] == {"tag": None, "onset": None}
    top = [c["ref"] for c in body["candidates"][:6]]
    assert "LR.FEEDER1.MASSFLOW" in top
    assert "names no tag" in body["notes"][0]


@pytest.mark.django_db
def test_a_long_look_back_reads_minutes_too_and_tags_restrict(
    line_with_fault: dict[str, Any],
) -> None:
    client, deviation = line_with_fault["client"], line_with_fault["deviation"]
    body = client.get(URL.format(deviation.number), {"window": "1d"}).json()
    assert body["resolutions_s"] == [10, 60]
    assert body["candidates"][0]["ref"] == "LR.FEEDER1.MASSFLOW"
    only = client.get(URL.format(deviation.number),
                      {"tags": "LR.FEEDER2.MASSFLOW,LR.PRESS.MAIN_FORCE"}).json()  # fmt: skip
    tags = {c["tag"] for c in only["candidates"] if c["tag"]}
    assert tags <= {"LR.FEEDER2.MASSFLOW", "LR.PRESS.MAIN_FORCE"}
    assert {c["kind"] for c in only["candidates"]} >= {"lot_switch"}


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [
    ({"window": "soon"}, "window"), ({"window": "5m"}, "window"), ({"window": "30d"}, "window"),
    ({"tags": "LR.NOPE"}, "tags"), ({"series": "11"}, "series"), ({"series": "-1"}, "series"),
])  # fmt: skip
def test_bad_input_is_refused_naming_the_parameter(make_user: Any, query: dict[str, str],
                                                   field: str) -> None:  # fmt: skip
    eli = make_user(R.PROCESS_ENGINEER, username="rc-eli")
    services.line_create(actor=eli, code="LR", name="Line R")
    deviation, _ = services.deviation_raise(
        actor=eli, line="LR", kind="manual", start=format_ts(timezone.now() - timedelta(hours=1)),
        description="something",
    )  # fmt: skip
    client = APIClient()
    client.force_login(eli)
    answer = client.get(URL.format(deviation.number), query)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
    assert client.get(URL.format("DEV-9999")).status_code == 404
    # A line without data: an empty ranking, not an error.
    empty = client.get(URL.format(deviation.number))
    assert empty.status_code == 200
    assert empty.json()["candidates"] == []


@pytest.mark.django_db
def test_the_deviation_report_carries_the_ranking(line_with_fault: dict[str, Any]) -> None:
    from tests.reports.test_reports import text

    client, deviation = line_with_fault["client"], line_with_fault["deviation"]
    answer = client.get(f"/api/v1/reports/deviations/{deviation.number}.pdf")
    assert answer.status_code == 200, answer.content[:300]
    found = text(answer.content)
    for words in ("Root-cause ranking", "LR.FEEDER1.MASSFLOW", "via RTD",
                  "Evidence: the tag beside each candidate", "How the ranking works",
                  "Where it can be wrong", "CONSEQUENCE"):  # fmt: skip
        assert words in found, words
    assert found.index("Root-cause ranking") < found.index("Investigation and closure")
