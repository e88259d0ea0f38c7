"""What LIMS results mean for a batch's review and release (through ebr's providers): OOS,
out-of-warning and revised results are review exceptions; required tests missing or not
verified/published block the release (listed in the disposition's 409); the batch's API detail
and page carry its results with revisions and retests."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from ebr.models import Batch
from ebr.selectors import release_blockers
from tests.lims_bridge.test_push import URL, lab, result  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def kinds(batch_number: str) -> dict[str, str]:
    batch = Batch.objects.get(batch_number=batch_number)
    return {b.kind + ":" + b.ref: b.detail for b in release_blockers(batch)}


def test_required_tests_block_until_verified(lab: dict[str, Any]) -> None:  # noqa: F811
    client = lab["client"]
    blocked = kinds("B-1")
    assert {"lims_missing:assay", "lims_missing:dissolution"} <= set(blocked)
    assert client.post(URL, result(), format="json").status_code == 201  # to_be_verified
    assert "lims_unverified:assay" in kinds("B-1")
    verified = result(revision=2, status="verified")
    assert client.post(URL, verified, format="json").status_code == 201
    limits = {"spec_low": 80, "spec_high": None, "warn_low": None, "warn_high": None}
    dissolution = result(lims_id="D-1", test="dissolution", result=85, status="published",
                         **limits)  # fmt: skip
    assert client.post(URL, dissolution, format="json").status_code == 201
    assert not {k for k in kinds("B-1") if k.startswith("lims_")}
    retracted = result(revision=3, status="retracted")
    assert client.post(URL, retracted, format="json").status_code == 201
    assert "lims_missing:assay" in kinds("B-1")  # a retracted result does not count


def test_oos_warning_and_revisions_are_exceptions(lab: dict[str, Any]) -> None:  # noqa: F811
    client = lab["client"]
    qa = APIClient()
    qa.force_login(lab["quinn"])
    client.post(URL, result(result=93.0), format="json")  # OOS
    client.post(URL, result(lims_id="W-1", result=96.0), format="json")  # warning
    client.post(URL, result(lims_id="W-1", revision=2, result=99.0), format="json")  # revised
    listed = qa.get("/api/v1/ebr/batches/B-1/exceptions/").json()["exceptions"]
    found = {e["id"]: e["kind"] for e in listed if e["kind"].startswith("lims_")}
    assert found == {"lims:A-1:oos": "lims_oos", "lims:W-1:revised:2": "lims_revised"}
    assert any(e["kind"] == "deviation" for e in listed)  # the OOS deviation itself
    client.post(URL, result(lims_id="W-2", result=96.5), format="json")
    listed = qa.get("/api/v1/ebr/batches/B-1/exceptions/").json()["exceptions"]
    assert "lims:W-2:warning" in {e["id"] for e in listed}


def test_the_batch_detail_and_page_show_the_results(lab: dict[str, Any]) -> None:  # noqa: F811
    client = lab["client"]
    client.post(URL, result(result=80.0, status="retracted"), format="json")
    client.post(URL, result(lims_id="A-2", retest_of="A-1", result=99.0), format="json")
    client.post(URL, result(lims_id="A-2", revision=2, retest_of="A-1", result=99.2),
                format="json")  # fmt: skip
    qa = APIClient()
    qa.force_login(lab["quinn"])
    detail = qa.get("/api/v1/ebr/batches/B-1/").json()
    by_id = {r["lims_id"]: r for r in detail["lims_results"]}
    assert by_id["A-1"]["retested_by"] == ["A-2"]
    assert by_id["A-2"]["retest_of"] == "A-1"
    assert [e["revision"] for e in by_id["A-2"]["revisions"]] == [1]
    page = qa.get("/ebr/batches/B-1/").content.decode()
    assert 'data-testid="lims-results"' in page
    assert "retest of A-1" in page
    assert "revision 2" in page


def test_a_samples_material_window_comes_from_its_sampling_point(
    lab: dict[str, Any],  # noqa: F811
) -> None:
    from ebr import services as ebr_services
    from ebr.models import Line

    client = lab["client"]
    line = Line.objects.get(code="L3")
    press = "PRESS"  # a node of L3 (its tag L3.PRESS.WEIGHT): give it an RTD to the outlet
    ebr_services.rtd_model_create(actor=lab["quinn"], line=line, feeder=press,
                                  model="tanks_in_series", n=1, tau_s=60, reason="test",
                                  effective_from="2026-01-01T00:00:00Z")  # fmt: skip
    client.post(URL, result(), format="json")  # at the outlet
    client.post(URL, result(lims_id="P-1", sample_id="S-2", sampling_point=press), format="json")
    client.post(URL, result(lims_id="Q-1", sample_id="S-3", sampling_point="BLENDER"),
                format="json")  # fmt: skip
    qa = APIClient()
    qa.force_login(lab["quinn"])
    found = {r["lims_id"]: r["material_window"]
             for r in qa.get("/api/v1/ebr/batches/B-1/").json()["lims_results"]}  # fmt: skip
    assert found["A-1"]["start"] == found["A-1"]["end"] == "2026-03-03T07:00:00.000000Z"
    assert found["P-1"]["start"] == "2026-03-03T07:00:00.000000Z"  # 1 tank: no dead time
    assert found["P-1"]["end"] == "2026-03-03T07:06:56.000000Z"  # 60 s · −ln(0.001) ≈ 414.5 s
    assert found["Q-1"] is None  # no RTD from the blender: unknown


def test_a_release_waiting_for_the_lab_answers_409_listing_the_tests(
    lab: dict[str, Any],  # noqa: F811
) -> None:
    from accounts.models import User
    from ebr import services as ebr_services
    from tests.factories import PASSWORD

    batch = Batch.objects.get(batch_number="B-1")
    supervisor = User.objects.get(username="sam")
    batch = ebr_services.batch_transition(actor=supervisor, batch=batch, status="in_progress",
                                          reason="go")  # fmt: skip
    ebr_services.batch_transition(actor=supervisor, batch=batch, status="closed", reason="end")
    qa = APIClient()
    qa.force_login(lab["quinn"])
    signature = {"username": "quinn", "password": PASSWORD, "meaning": "released",
                 "reason": "released"}  # fmt: skip
    answer = qa.post("/api/v1/ebr/batches/B-1/disposition/",
                     {"decision": "release", "signature": signature}, format="json")  # fmt: skip
    assert answer.status_code == 409, answer.content
    blocking = {(i["kind"], i["ref"]) for i in answer.json()["items"]}
    assert {("lims_missing", "assay"), ("lims_missing", "dissolution")} <= blocking
