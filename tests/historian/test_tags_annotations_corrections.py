"""Tags and equipment over the API (audited, dotted names), annotations and signed
corrections that leave the originals untouched."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from audit.models import AuditEvent, Signature
from historian.models import Equipment, Tag
from tests.conftest import PASSWORD
from tests.historian.conftest import post

pytestmark = pytest.mark.django_db
FLOW = "L1.FEEDER1.MASSFLOW"


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_an_engineer_creates_a_tag_with_its_equipment(engineer: Any) -> None:
    client = client_of(engineer)
    response = client.post(
        "/api/v1/historian/tags/",
        {
            "name": "SITE.AREA.L2.BLENDER.SPEED",
            "equipment": "SITE/AREA/L2/BLENDER",
            "unit": "rpm",
            "classification": "CPP",
            "range_low": 100,
            "range_high": 300,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["step"] is False  # float default
    assert [e.level for e in Equipment.objects.order_by("path")] == ["site", "area", "line", "unit"]
    detail = client.get("/api/v1/historian/tags/SITE.AREA.L2.BLENDER.SPEED/")
    assert detail.status_code == 200  # dots in the name route fine
    event = AuditEvent.objects.get(table_name="historian_tag", action="insert")
    assert event.actor_username == "eli"
    tag = Tag.objects.get(name="SITE.AREA.L2.BLENDER.SPEED")
    assert tag.history.count() == 1
    assert (
        client.post(
            "/api/v1/historian/tags/", {"name": "X", "equipment": "A/B/C/D/E"}, format="json"
        ).status_code
        == 400
    )
    int_tag = client.post(
        "/api/v1/historian/tags/",
        {"name": "L2.COUNT", "equipment": "L2", "value_type": "int"},
        format="json",
    )
    assert int_tag.json()["step"] is True  # non-float default


def test_tag_changes_need_a_reason_and_lock_once_samples_exist(
    tags: Any, engineer: Any, collector: APIClient
) -> None:
    client = client_of(engineer)
    url = f"/api/v1/historian/tags/{FLOW}/"
    assert client.patch(url, {"description": "no reason"}, format="json").status_code == 400
    response = client.patch(
        url,
        {"description": "Feeder 1 mass flow", "range_high": 40, "reason": "new validated range"},
        format="json",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(table_name="historian_tag", action="update").last()
    assert event is not None
    assert event.reason == "new validated range"
    assert event.changes["range_high"] == [50.0, 40.0]
    assert (
        client.patch(
            url, {"unit": "g/min", "reason": "before any sample"}, format="json"
        ).status_code
        == 200
    )
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    response = client.patch(url, {"unit": "kg/h", "reason": "after samples"}, format="json")
    assert response.status_code == 409
    assert "unit" in response.json()["fields"]


def test_tags_are_listed_and_filtered(tags: Any, engineer: Any) -> None:
    client = client_of(engineer)
    names = [
        t["name"]
        for t in client.get("/api/v1/historian/tags/", {"equipment": "L1/PRESS"}).json()["results"]
    ]
    assert sorted(names) == ["L1.PRESS.RUNNING", "L1.PRESS.SPEED"]
    found = client.get("/api/v1/historian/tags/", {"search": "massflow"}).json()["results"]
    assert [t["name"] for t in found] == [FLOW]


def test_range_lists_give_what_overlaps_a_window_and_refuse_a_bad_bound(
    tags: Any, make_user: Any
) -> None:
    supervisor = client_of(make_user(R.SUPERVISOR, username="sam"))
    url = f"/api/v1/historian/tags/{FLOW}/annotations/"
    for hour in (6, 8, 10):
        body = {"start": f"2026-03-01T{hour:02d}:00:00Z", "end": f"2026-03-01T{hour:02d}:30:00Z",
                "text": f"at {hour}"}  # fmt: skip
        assert supervisor.post(url, body, format="json").status_code == 201
    # [08:00, 08:30) overlaps [08:29, 10:00); [06:00, 06:30) and [10:00, 10:30) do not.
    window = {"start": "2026-03-01T08:29:00Z", "end": "2026-03-01T10:00:00Z"}
    found = supervisor.get(url, window).json()["results"]
    assert [a["text"] for a in found] == ["at 8"]
    assert len(supervisor.get(url, {"end": "2026-03-01T08:00:00Z"}).json()["results"]) == 1
    for path in (url, f"/api/v1/historian/tags/{FLOW}/corrections/"):
        bad = supervisor.get(path, {"start": "yesterday"})
        assert bad.status_code == 400
        assert "start" in bad.json()["fields"]


def test_annotations_leave_samples_untouched(tags: Any, make_user: Any) -> None:
    supervisor = client_of(make_user(R.SUPERVISOR, username="sam"))
    url = f"/api/v1/historian/tags/{FLOW}/annotations/"
    response = supervisor.post(
        url,
        {
            "start": "2026-03-01T08:00:00Z",
            "end": "2026-03-01T08:10:00Z",
            "text": "refill of hopper 1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert supervisor.get(url).json()["results"][0]["author"] == "sam"
    bad = supervisor.post(
        url,
        {"start": "2026-03-01T08:10:00Z", "end": "2026-03-01T08:00:00Z", "text": "backwards"},
        format="json",
    )
    assert bad.status_code == 400
    operator = client_of(make_user(R.OPERATOR, username="olivia"))
    assert (
        operator.post(
            url,
            {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T08:10:00Z", "text": "x"},
            format="json",
        ).status_code
        == 403
    )


def test_a_signed_correction_replaces_values_only_when_asked(
    tags: Any, make_user: Any, collector: APIClient
) -> None:
    post(
        collector,
        [{"tag": FLOW, "ts": f"2026-03-01T08:00:0{i}Z", "value": float(i)} for i in range(4)],
    )
    qa = make_user(R.QA_REVIEWER, username="quinn")
    client = client_of(qa)
    url = f"/api/v1/historian/tags/{FLOW}/corrections/"
    body = {
        "start": "2026-03-01T08:00:01Z",
        "end": "2026-03-01T08:00:03Z",
        "values": [
            {"ts": "2026-03-01T08:00:01Z", "value": 1.5},
            {"ts": "2026-03-01T08:00:02Z", "value": 2.5},
        ],
        "reason": "balance drift, recalculated",
        "signature": {
            "username": "quinn",
            "password": PASSWORD,
            "meaning": "approved",
            "reason": "correction approved",
        },
    }
    wrong = client.post(
        url, {**body, "signature": {**body["signature"], "password": "nope"}}, format="json"
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "signature_failed"
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert Signature.objects.get(record_table="historian_correction").meaning == "approved"
    params = {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T08:01:00Z"}
    originals = client.get(f"/api/v1/historian/tags/{FLOW}/values/", params).json()["values"]
    assert [v["value"] for v in originals] == [0.0, 1.0, 2.0, 3.0]
    assert [v.get("has_correction", False) for v in originals] == [False, True, True, False]
    applied = client.get(
        f"/api/v1/historian/tags/{FLOW}/values/", {**params, "corrections": "apply"}
    ).json()["values"]
    assert [v["value"] for v in applied] == [0.0, 1.5, 2.5, 3.0]
    assert [v.get("corrected", False) for v in applied] == [False, True, True, False]
    # A plot with corrections applied reads raw rows where a correction touches the window.
    plot = client.get(
        f"/api/v1/historian/tags/{FLOW}/values/",
        {**params, "mode": "plot", "points": 1, "corrections": "apply"},
    ).json()
    assert plot["source"] == "raw"
    assert plot["values"][0]["max"] == 3.0
    assert plot["values"][0]["count"] == 4
    engineer = client_of(make_user(R.PROCESS_ENGINEER, username="pe"))
    assert engineer.post(url, body, format="json").status_code == 403


def test_raw_pages_with_corrections_applied_skip_no_sample(
    tags: Any, make_user: Any, collector: APIClient
) -> None:
    """A page cut by `limit` ends after its last stored sample: corrections further on wait
    for their own page, so following next_start reads every value exactly once."""
    post(
        collector,
        [{"tag": FLOW, "ts": f"2026-03-01T08:00:0{i}Z", "value": float(i)} for i in range(5)],
    )
    qa = make_user(R.QA_REVIEWER, username="quinn")
    client = client_of(qa)
    response = client.post(
        f"/api/v1/historian/tags/{FLOW}/corrections/",
        {
            "start": "2026-03-01T08:00:03Z",
            "end": "2026-03-01T08:00:04Z",
            "values": [{"ts": "2026-03-01T08:00:03Z", "value": 3.5}],
            "reason": "balance drift, recalculated",
            "signature": {
                "username": "quinn",
                "password": PASSWORD,
                "meaning": "approved",
                "reason": "correction approved",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    url = f"/api/v1/historian/tags/{FLOW}/values/"
    query = {"end": "2026-03-01T08:01:00Z", "corrections": "apply"}
    whole = client.get(url, {**query, "start": "2026-03-01T08:00:00Z"}).json()["values"]
    assert [v["value"] for v in whole] == [0.0, 1.0, 2.0, 3.5, 4.0]
    paged: list[Any] = []
    start = "2026-03-01T08:00:00Z"
    for _ in range(10):
        page = client.get(url, {**query, "start": start, "limit": 1}).json()
        paged += page["values"]
        assert len(page["values"]) <= 1
        if not page.get("truncated"):
            break
        start = page["next_start"]
    assert paged == whole
