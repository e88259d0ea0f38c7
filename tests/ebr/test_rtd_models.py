"""RTD model versions per line and feeder: created by process engineers with a reason, numbered
by the server, effective-dated (the version in force at a time is the latest effective by
then), parameters checked field by field, append-only in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from ebr import selectors, services
from ebr.models import Line, RtdModelVersion
from tests.dbadmin import assert_append_only
from tests.factories import TagFactory

URL = "/api/v1/ebr/lines/L5/rtd-models/"


@pytest.fixture
def engineer(make_user: Any) -> APIClient:
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    TagFactory(actor=eli, name="L5.FEEDER1.MASSFLOW", equipment="L5/FEEDER1", unit="kg/h")
    TagFactory(actor=eli, name="L5.FEEDER2.MASSFLOW", equipment="L5/FEEDER2", unit="kg/h")
    services.line_create(actor=eli, code="L5", name="Line 5")
    client = APIClient()
    client.force_login(eli)
    return client


def post(client: APIClient, **body: Any) -> Any:
    return client.post(URL, {"feeder": "FEEDER1", "reason": "tracer step test 2026-11", **body},
                       format="json")  # fmt: skip


@pytest.mark.django_db
def test_versions_are_numbered_and_effective_dated(engineer: APIClient) -> None:
    now = timezone.now()
    first = post(engineer, model="tanks_in_series", n=3.4, tau_s=240, delay_s=12,
                 effective_from=(now - timedelta(days=10)).isoformat())  # fmt: skip
    assert first.status_code == 201, first.content
    assert first.json()["version"] == 1
    assert first.json()["boundary"] is None
    second = post(engineer, model="axial_dispersion", peclet=25, tau_s=260,
                  effective_from=(now - timedelta(days=2)).isoformat(), reason="refit")  # fmt: skip
    assert second.status_code == 201, second.content
    assert (second.json()["version"], second.json()["boundary"]) == (2, "closed")
    assert (
        post(engineer, feeder="FEEDER2", model="tanks_in_series", n=1, tau_s=60).json()["version"]
        == 1
    )  # each feeder counts its own
    line = Line.objects.get(code="L5")
    assert selectors.rtd_model_at(line, "FEEDER1", now - timedelta(days=5)).version == 1  # type: ignore[union-attr]
    assert selectors.rtd_model_at(line, "FEEDER1", now).version == 2  # type: ignore[union-attr]
    assert selectors.rtd_model_at(line, "FEEDER1", now - timedelta(days=30)) is None
    listed = engineer.get(URL, {"feeder": "FEEDER1"}).json()["results"]
    assert [v["version"] for v in listed] == [2, 1]  # newest first
    assert "axial dispersion" in listed[0]["described"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "tanks_in_series", "n": 0, "tau_s": 60}, "n"),
        ({"model": "tanks_in_series", "n": 2, "tau_s": -5}, "tau_s"),
        ({"model": "axial_dispersion", "tau_s": 60}, "peclet"),
        ({"model": "tanks_in_series", "n": 2, "tau_s": 60, "delay_s": -1}, "delay_s"),
        ({"model": "tanks_in_series", "n": 2, "tau_s": 60, "feeder": "NOPE"}, "feeder"),
        ({"model": "tanks_in_series", "n": 2, "tau_s": 60, "reason": " "}, "reason"),
        ({"model": "tanks_in_series", "n": 2, "tau_s": 60, "effective_from": "2026-01-01"},
         "effective_from"),
    ],
)  # fmt: skip
def test_bad_parameters_are_named_and_store_nothing(
    engineer: APIClient, body: dict[str, Any], field: str
) -> None:
    answer = post(engineer, **body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
    assert RtdModelVersion.objects.count() == 0


@pytest.mark.django_db
def test_versions_are_append_only_in_the_database(engineer: APIClient, make_user: Any) -> None:
    assert post(engineer, model="tanks_in_series", n=2, tau_s=60).status_code == 201
    qa = make_user(R.QA_REVIEWER)
    assert_append_only(qa, "ebr_rtd_model")
    assert RtdModelVersion.objects.get().tau_s == 60
