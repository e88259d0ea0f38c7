"""Process limits on tags (API.md, "Historian"): spec and alert limits, in order, audited,
changed with a reason; the instrument range stays what it is."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from audit.context import audit_context
from audit.models import AuditEvent
from historian.models import Tag

pytestmark = pytest.mark.django_db
NAME = "L2.BLENDER.SPEED"


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def create(client: APIClient, **limits: Any) -> Any:
    return client.post(
        "/api/v1/historian/tags/",
        {"name": NAME, "equipment": "L2/BLENDER", "unit": "rpm", "range_low": 0,
         "range_high": 500, **limits},
        format="json",
    )  # fmt: skip


def test_limits_are_created_read_and_changed_with_a_reason(engineer: Any) -> None:
    client = client_of(engineer)
    limits = {"spec_low": 150, "spec_high": 250, "alert_low": 170, "alert_high": 230}
    assert create(client, **limits).status_code == 201
    body = client.get(f"/api/v1/historian/tags/{NAME}/").json()
    assert {k: body[k] for k in limits} == limits
    assert (body["range_low"], body["range_high"]) == (0, 500)
    refused = client.patch(f"/api/v1/historian/tags/{NAME}/", {"spec_high": 260}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()["fields"]
    changed = client.patch(
        f"/api/v1/historian/tags/{NAME}/",
        {"spec_high": 260, "reason": "validated range widened (CC-12)"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    event = AuditEvent.objects.filter(table_name="historian_tag", action="update").get()
    assert event.changes["spec_high"] == [250.0, 260.0]
    assert event.reason == "validated range widened (CC-12)"


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"spec_low": 250, "spec_high": 150}, "spec_low"),
        ({"alert_low": 230, "alert_high": 170}, "alert_low"),
        ({"spec_low": 180, "alert_low": 170}, "spec_low"),
        ({"alert_high": 260, "spec_high": 250}, "alert_high"),
    ],
)
def test_limits_out_of_order_are_refused_by_name(
    engineer: Any, limits: dict[str, float], field: str
) -> None:
    response = create(client_of(engineer), **limits)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Tag.objects.filter(name=NAME).exists()


def test_the_database_refuses_a_reversed_specification(engineer: Any) -> None:
    assert create(client_of(engineer)).status_code == 201
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        audit_context(actor=engineer, reason="around the service"),
    ):
        Tag.objects.filter(name=NAME).update(spec_low=10, spec_high=5)
