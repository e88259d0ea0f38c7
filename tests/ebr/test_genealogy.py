"""Feeds and genealogy through the REST API on the real cluster: charging lots (replays, bad
input, unreleased and expired lots, append-only), backward trace weighted by the outlet's mass
flow, forward trace cut by batches, diversion windows, and the diversion window every CPP
excursion on a feeder's tag implies — shown on the deviation and a review exception of every
batch whose material it covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from rest_framework.test import APIClient
from scipy import special

from accounts import roles as R
from audit.canonical import format_ts
from audit.models import AuditEvent
from audit.signing import SignatureRequest
from ebr import genealogy, providers, selectors, services
from ebr.models import Batch, Deviation, Feed, MaterialLot
from ebr.rtd import Charge, RtdModel
from ebr.services.monitoring import cpp_check
from historian.ingest import ingest_samples
from tests.dbadmin import assert_append_only
from tests.ebr.test_batches import effective
from tests.factories import PASSWORD, TagFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
FEEDS = "/api/v1/ebr/lines/L7/feeds/"
BACKWARD = "/api/v1/genealogy/backward/"
FORWARD = "/api/v1/genealogy/forward/"
DIVERSION = "/api/v1/ebr/lines/L7/diversion/"
MIXER = RtdModel("tanks_in_series", tau_s=90.0, n=4.0, delay_s=60.0)  # FEEDER1 → outlet
SLOW = RtdModel("tanks_in_series", tau_s=120.0, n=2.0)  # FEEDER2 → outlet


def iso(t: datetime) -> str:
    return format_ts(t)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def plant(make_user: Any, make_service_account: Any) -> dict[str, Any]:
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    quinn = make_user(R.QA_REVIEWER, username="quinn")
    sam = make_user(R.SUPERVISOR, username="sam")
    olga = make_user(R.OPERATOR, username="olga")
    for name, unit in (("FEEDER1.MASSFLOW", "kg/h"), ("FEEDER2.MASSFLOW", "kg/h"),
                       ("OUTLET.MASSFLOW", "kg/h")):  # fmt: skip
        TagFactory(actor=eli, name=f"L7.{name}", equipment=f"L7/{name.split('.')[0]}", unit=unit)
    services.line_create(actor=eli, code="L7", name="Line 7", outlet_tag="L7.OUTLET.MASSFLOW")
    line = services.lines_and_lots.Line.objects.get(code="L7")
    for feeder, model in (("FEEDER1", MIXER), ("FEEDER2", SLOW)):
        services.rtd_model_create(
            actor=eli, line=line, feeder=feeder, model=model.kind, n=model.n,
            tau_s=model.tau_s, delay_s=model.delay_s, reason="tracer study TS-7",
            effective_from=iso(T0 - timedelta(days=30)),
        )  # fmt: skip
    for material, lot in (("API", "API-1"), ("API", "API-2"), ("MCC", "MCC-1"), ("API", "X-1"),
                          ("MCC", "X-1")):  # fmt: skip
        made = services.lot_create(actor=sam, material=material, lot=lot,
                                   expires_at=iso(T0 + timedelta(days=300)))  # fmt: skip
        services.lot_dispose(actor=quinn, lot=made, decision="release", signature=SignatureRequest(
            username="quinn", password=PASSWORD, meaning="released", reason="COA"))  # fmt: skip
    services.lot_create(actor=sam, material="API", lot="API-Q")  # in quarantine
    old = services.lot_create(actor=sam, material="API", lot="API-OLD",
                              expires_at=iso(T0 - timedelta(days=1)))  # fmt: skip
    services.lot_dispose(actor=quinn, lot=old, decision="release", signature=SignatureRequest(
        username="quinn", password=PASSWORD, meaning="released", reason="COA"))  # fmt: skip
    account, key = make_service_account("mes")
    clients = {}
    for name, user in (("olga", olga), ("eli", eli)):
        clients[name] = APIClient()
        clients[name].force_login(user)
    clients["mes"] = APIClient()
    clients["mes"].credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return {"line": line, "eli": eli, "quinn": quinn, "sam": sam, "clients": clients,
            "account": account}  # fmt: skip


def charge(client: APIClient, feeder: str, lot: str, begins: datetime, **more: Any) -> Any:
    material = "MCC" if lot.startswith("MCC") else "API"
    body = {"feeder": feeder, "material": material, "lot": lot, "start": iso(begins), **more}
    return client.post(FEEDS, body, format="json")


def outlet(plant: dict[str, Any], values: dict[int, float]) -> None:
    """The outlet's mass flow, one sample a minute (minute → kg/h)."""
    items = [{"tag": "L7.OUTLET.MASSFLOW", "ts": iso(at(m)), "value": v}
             for m, v in sorted(values.items())]  # fmt: skip
    stored = ingest_samples(actor=plant["account"], source="t", ingest_key=f"o{min(values)}",
                            items=items)  # fmt: skip
    assert stored.status == 201, stored.body


def test_feeds_are_charged_replayed_and_open_until_the_next(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    first = charge(olga, "FEEDER1", "API-1", T0)
    assert first.status_code == 201, first.content
    assert (first.json()["lot"], first.json()["until"]) == ("API-1", None)
    assert charge(olga, "FEEDER1", "API-1", T0).status_code == 200  # a replay stores nothing
    assert Feed.objects.count() == 1
    other = charge(olga, "FEEDER1", "API-2", T0)  # the same moment with another lot
    assert other.status_code == 409
    assert "API-1" in other.json()["detail"]
    second = charge(plant["clients"]["mes"], "FEEDER1", "API-2", at(60))
    assert second.status_code == 201, second.content
    listed = olga.get(FEEDS, {"feeder": "FEEDER1"}).json()["results"]
    assert [(f["lot"], f["until"]) for f in listed] == [("API-2", None), ("API-1", iso(at(60)))]
    ended = charge(olga, "FEEDER2", "MCC-1", T0, end=iso(at(30)))
    assert ended.json()["until"] == iso(at(30))
    events = AuditEvent.objects.filter(table_name="ebr_feed", action="insert")
    assert events.count() == 3
    assert {e.actor_username for e in events} >= {"olga", "mes"}


@pytest.mark.parametrize(
    ("lot", "more", "status", "field"),
    [
        ("API-Q", {}, 409, None),  # not released
        ("API-OLD", {}, 409, None),  # expired at start
        ("API-NONE", {}, 400, "lot"),
        ("API-1", {"feeder": "BLENDERX"}, 400, "feeder"),
        ("API-1", {"end": "2026-03-01T05:00:00Z"}, 400, "end"),
        ("API-1", {"start": "2026-03-01 06:00"}, 400, "start"),
        ("API-1", {"start": "2099-01-01T00:00:00Z"}, 400, "start"),
    ],
)
def test_bad_feeds_are_refused_and_store_nothing(
    plant: dict[str, Any], lot: str, more: dict[str, str], status: int, field: str | None
) -> None:
    feeder = more.pop("feeder", "FEEDER1")
    answer = charge(plant["clients"]["olga"], feeder, lot, T0, **more)
    assert answer.status_code == status, answer.content
    if field:
        assert field in answer.json()["fields"]
    assert Feed.objects.count() == 0


def test_only_operators_supervisors_and_integrations_charge(plant: dict[str, Any]) -> None:
    assert charge(plant["clients"]["eli"], "FEEDER1", "API-1", T0).status_code == 403
    assert Feed.objects.count() == 0


def test_feeds_are_append_only_in_the_database(plant: dict[str, Any]) -> None:
    assert charge(plant["clients"]["olga"], "FEEDER1", "API-1", T0).status_code == 201
    assert_append_only(plant["quinn"], "ebr_feed")
    assert Feed.objects.get().start == T0


def test_backward_is_weighted_by_the_outlet_and_names_its_models(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    for feeder, lot, start in (
        ("FEEDER1", "API-1", T0 - timedelta(hours=2)),
        ("FEEDER1", "API-2", at(60)),
        ("FEEDER2", "MCC-1", at(58)),
    ):
        assert charge(olga, feeder, lot, start).status_code == 201  # fmt: skip
    outlet(plant, {m: (20.0 if m < 62 else 5.0) for m in range(50, 80)})
    answer = olga.get(BACKWARD, {"line": "L7", "start": iso(at(60)), "end": iso(at(66))})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["weighted_by"] == "L7.OUTLET.MASSFLOW"
    assert {(m["feeder"], m["version"]) for m in body["rtd_models"]} == {
        ("FEEDER1", 1), ("FEEDER2", 1)
    }  # fmt: skip
    by = {(i["feeder"], i["lot"]): i["fraction"] for i in body["inputs"]}
    for feeder in ("FEEDER1", "FEEDER2"):
        assert sum(v for (f, _), v in by.items() if f == feeder) == pytest.approx(1.0, abs=1e-8)
    # Independently: each lot's fraction from F at every second, weighted by the flow of the
    # minute it left in (20 kg/h until 06:62, then 5).
    t = np.arange(at(60).timestamp(), at(66).timestamp(), 0.05) + 0.025
    weight = np.where(t < at(62).timestamp(), 20.0, 5.0)
    a2 = at(60).timestamp()
    api2 = MIXER.cdf(t - a2)
    assert by[("FEEDER1", "API-2")] == pytest.approx(np.average(api2, weights=weight), abs=1e-4)
    assert by[("FEEDER1", "API-1")] == pytest.approx(1 - by[("FEEDER1", "API-2")], abs=1e-8)
    mcc = SLOW.cdf(t - at(58).timestamp())
    assert by[("FEEDER2", "MCC-1")] == pytest.approx(np.average(mcc, weights=weight), abs=1e-4)
    assert by[("FEEDER2", None)] == pytest.approx(1 - by[("FEEDER2", "MCC-1")], abs=1e-8)
    unweighted = np.mean(api2)
    assert abs(unweighted - by[("FEEDER1", "API-2")]) > 0.01  # the weighting mattered


def test_backward_refuses_what_it_cannot_answer(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    window = {"start": iso(at(0)), "end": iso(at(10))}
    assert olga.get(BACKWARD, {"line": "NOPE", **window}).status_code == 404
    bad = olga.get(BACKWARD, {"line": "L7", "start": iso(at(10)), "end": iso(at(0))})
    assert bad.status_code == 400
    assert "end" in bad.json()["fields"]
    assert olga.get(BACKWARD, {"start": iso(at(0))}).json()["fields"].keys() >= {"line"}
    early = olga.get(BACKWARD, {"line": "L7", "start": "2025-01-01T00:00:00Z",
                                "end": "2025-01-02T00:00:00Z"})  # fmt: skip
    assert early.status_code == 409
    assert "no RTD model in force" in early.json()["detail"]


def batches(plant: dict[str, Any], spec_tag: str | None = None) -> tuple[Batch, Batch]:
    eli, sam = plant["eli"], plant["sam"]
    specs = [{"tag": spec_tag, "low": 1.8, "high": 2.2}] if spec_tag else []
    record = services.master_create(
        actor=eli, code="MR7", product="P", title="T", line="L7",
        steps=[{"code": "S1", "title": "Run"}], parameter_specs=specs,
    )  # fmt: skip
    effective(record, eli, plant["quinn"])
    made = []
    for number, start, end in (("B-1", at(0), at(62)), ("B-2", at(62), at(180))):
        batch = services.batch_create(actor=sam, batch_number=number, master_record="MR7",
                                      line="L7", start=iso(start), end=iso(end))  # fmt: skip
        made.append(services.batch_transition(actor=sam, batch=batch, status="in_progress",
                                              reason="go"))  # fmt: skip
    return made[0], made[1]


def test_forward_cuts_the_lots_presence_by_batch(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    batches(plant)
    assert charge(olga, "FEEDER1", "API-1", at(0)).status_code == 201
    assert charge(olga, "FEEDER1", "API-2", at(60)).status_code == 201
    answer = olga.get(FORWARD, {"material": "API", "lot": "API-1"})
    assert answer.status_code == 200, answer.content
    outputs = answer.json()["outputs"]
    assert [o["batch_number"] for o in outputs] == ["B-1", "B-2"]
    a, b = at(0).timestamp(), at(60).timestamp()
    first_seen = datetime.fromisoformat(outputs[0]["start"]).timestamp()
    assert first_seen == pytest.approx(a + MIXER.quantile(0.001), abs=1.0)
    last_seen = datetime.fromisoformat(outputs[1]["end"]).timestamp()
    assert last_seen == pytest.approx(b + MIXER.quantile(0.999), abs=1.0)
    assert outputs[0]["end"] == outputs[1]["start"] == iso(at(62))
    assert outputs[0]["max_fraction"] == pytest.approx(1.0, abs=1e-6)
    # At 06:62 the lot is 2 min past its end: what of it has not left yet, 1 − F(120 s).
    assert outputs[1]["max_fraction"] == pytest.approx(1 - MIXER.cdf(120.0), abs=1e-6)
    # The lot number is unique among API lots: material may be left out.
    still = olga.get(FORWARD, {"lot": "API-2"}).json()["outputs"]
    assert [(o["batch_number"], o["end"]) for o in still][-1] == (None, None)  # still in


def test_forward_refuses_what_it_cannot_answer(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    assert olga.get(FORWARD, {"lot": "NOPE"}).status_code == 404
    twice = olga.get(FORWARD, {"lot": "X-1"})
    assert twice.status_code == 400
    assert "material" in twice.json()["fields"]
    assert olga.get(FORWARD, {"lot": "API-1", "threshold": "2"}).status_code == 400
    assert olga.get(FORWARD, {"lot": "API-1", "threshold": "nan"}).status_code == 400
    assert olga.get(FORWARD, {"lot": "API-1", "threshold": "1e-300"}).status_code == 400
    assert olga.get(FORWARD, {"lot": "API-1"}).json()["outputs"] == []  # never fed


def test_diversion_is_the_rtd_quantiles_and_honours_limits(plant: dict[str, Any]) -> None:
    olga = plant["clients"]["olga"]
    window = {"feeder": "FEEDER1", "start": iso(at(10)), "end": iso(at(14))}
    body = olga.get(DIVERSION, window).json()
    low = 60.0 + 90.0 / 4 * float(special.gammaincinv(4.0, 0.001))
    high = 60.0 + 90.0 / 4 * float(special.gammaincinv(4.0, 0.999))
    start = datetime.fromisoformat(body["divert_start"]).timestamp()
    end = datetime.fromisoformat(body["divert_end"]).timestamp()
    assert at(10).timestamp() + low - 1 <= start <= at(10).timestamp() + low
    assert at(14).timestamp() + high <= end <= at(14).timestamp() + high + 1
    assert body["rtd_model"]["version"] == 1
    limited = olga.get(DIVERSION, {**window, "size": "-4.5", "nominal": "10", "low": "9.5",
                                   "high": "10.5"}).json()  # fmt: skip
    expected = genealogy.diversion(MIXER, at(10).timestamp(), at(14).timestamp(), size=-4.5,
                                   nominal=10.0, low=9.5, high=10.5)  # fmt: skip
    assert expected.start is not None
    assert expected.end is not None
    assert datetime.fromisoformat(limited["divert_start"]).timestamp() == pytest.approx(
        expected.start, abs=1.0
    )
    assert limited["peak_deviation"] == pytest.approx(expected.peak, abs=1e-6)
    for bad, field in (({"quantile": "0.7"}, "quantile"), ({"size": "1"}, "low or high"),
                       ({"feeder": ""}, "feeder"), ({"start": "yesterday"}, "start")):  # fmt: skip
        answer = olga.get(DIVERSION, {**window, **bad})
        assert answer.status_code == 400, (bad, answer.content)
        assert field in str(answer.json()["fields"])
    unmodelled = olga.get(DIVERSION, {**window, "feeder": "OUTLET"})
    assert unmodelled.status_code == 409


def test_a_feeder_excursion_diverts_material_of_every_batch_it_reaches(
    plant: dict[str, Any],
) -> None:
    first, second = batches(plant, spec_tag="L7.FEEDER1.MASSFLOW")
    # The API feeder at half its rate for 30 s, two minutes before the first batch ends.
    items = [{"tag": "L7.FEEDER1.MASSFLOW", "ts": iso(at(60) + timedelta(seconds=s)),
              "value": 1.0 if 0 <= s < 30 else 2.0} for s in range(-30, 60)]  # fmt: skip
    stored = ingest_samples(actor=plant["account"], source="t", ingest_key="f1", items=items)
    assert stored.status == 201
    (deviation,) = cpp_check(first, "L7.FEEDER1.MASSFLOW", now=at(70))
    deviation = Deviation.objects.get(pk=deviation.pk)
    olga = plant["clients"]["olga"]
    shown = olga.get(f"/api/v1/ebr/deviations/{deviation.number}/").json()["diversion"]
    a, b = deviation.start.timestamp(), (deviation.end or deviation.start).timestamp()
    assert datetime.fromisoformat(shown["divert_start"]).timestamp() == pytest.approx(
        a + MIXER.quantile(0.001), abs=1.0
    )
    assert datetime.fromisoformat(shown["divert_end"]).timestamp() == pytest.approx(
        b + MIXER.quantile(0.999), abs=1.0
    )
    for batch in (first, second):  # the window reaches from B-1 into B-2
        ids = [e.id for e in providers.review_exceptions(Batch.objects.get(pk=batch.pk))]
        assert f"diversion:{deviation.number}" in ids, batch
    listed = olga.get(f"/api/v1/ebr/batches/{second.batch_number}/exceptions/").json()
    (item,) = [e for e in listed["exceptions"] if e["kind"] == "diversion"]
    assert item["ref"] == deviation.number
    assert "FEEDER1" in item["summary"]


def test_forward_and_backward_agree(plant: dict[str, Any]) -> None:
    """A lot's forward maximum in an output window bounds its backward fraction there."""
    olga = plant["clients"]["olga"]
    assert charge(olga, "FEEDER1", "API-1", at(0)).status_code == 201
    assert charge(olga, "FEEDER1", "API-2", at(3)).status_code == 201
    charges = [Charge("API-1", at(0).timestamp(), at(3).timestamp())]
    back = olga.get(BACKWARD, {"line": "L7", "start": iso(at(4)), "end": iso(at(8))}).json()
    fraction = next(i["fraction"] for i in back["inputs"] if i["lot"] == "API-1")
    model = genealogy.Piece(MIXER, 0.0, np.inf)
    t = np.arange(at(4).timestamp(), at(8).timestamp(), 0.5)
    assert fraction == pytest.approx(genealogy.lot_fraction([model], charges, t).mean(), abs=1e-3)
    assert MaterialLot.objects.filter(lot="API-1").count() == 1


def test_an_excursion_without_an_rtd_model_says_its_window_is_unknown(
    plant: dict[str, Any],
) -> None:
    """A feeder modelled only from later on: its excursion before then cannot be mapped to the
    outlet, and QA is told so in the batch's review instead of seeing nothing."""
    TagFactory(actor=plant["eli"], name="L7.FEEDER3.MASSFLOW", equipment="L7/FEEDER3",
               unit="kg/h")  # fmt: skip
    services.rtd_model_create(actor=plant["eli"], line=plant["line"], feeder="FEEDER3",
                              model="tanks_in_series", n=2, tau_s=60, reason="new feeder",
                              effective_from=iso(at(60)))  # fmt: skip
    first, _ = batches(plant, spec_tag="L7.FEEDER3.MASSFLOW")
    items = [{"tag": "L7.FEEDER3.MASSFLOW", "ts": iso(at(10) + timedelta(seconds=s)),
              "value": 0.0 if s < 20 else 2.0} for s in range(60)]  # fmt: skip
    assert ingest_samples(actor=plant["account"], source="t", ingest_key="f3",
                          items=items).status == 201  # fmt: skip
    (deviation,) = cpp_check(first, "L7.FEEDER3.MASSFLOW", now=at(30))
    shown = selectors.deviation_diversion(Deviation.objects.get(pk=deviation.pk))
    assert shown is not None
    assert "no RTD model in force" in shown["problem"]
    found = [e for e in providers.review_exceptions(first) if e.kind == "diversion"]
    assert [e.id for e in found] == [f"diversion:{deviation.number}"]
    assert "unknown" in found[0].summary
