"""Saved trend displays: each person's own, saved or replaced by name, audited, opened by their
address; bad fields say what to fix and save nothing; parallel saves of one name make one."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import roles as R
from audit.models import AuditEvent
from historian.models import TrendDisplay

URL = "/api/v1/historian/displays/"
FLOW, SPEED = "L1.FEEDER1.MASSFLOW", "L1.PRESS.SPEED"


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def operator(make_user: Any) -> APIClient:
    return client_of(make_user(R.OPERATOR, username="olga"))


@pytest.mark.django_db
def test_a_display_is_saved_replaced_by_name_opened_and_deleted(
    tags: Any, operator: APIClient, make_user: Any
) -> None:
    body = {"name": "Feeder check", "tags": [FLOW, SPEED], "layout": "lanes", "last": "8h"}
    created = operator.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    display = created.json()
    assert display["url"] == f"/historian/trend/?tags={FLOW},{SPEED}&layout=lanes&last=8h"
    assert display["window"] == "last 8h until now"
    assert operator.get(display["url"]).status_code == 200
    # The same name again replaces it: a fixed window now, the default layout.
    fixed = {"name": "Feeder check", "tags": [SPEED], "start": "2026-03-01T08:00:00+01:00",
             "end": "2026-03-01T09:00:00Z"}  # fmt: skip
    replaced = operator.post(URL, fixed, format="json")
    assert replaced.status_code == 200, replaced.json()
    again = replaced.json()
    assert again["id"] == display["id"]
    assert (again["start"], again["end"], again["last"]) == (
        "2026-03-01T07:00:00.000000Z", "2026-03-01T09:00:00.000000Z", ""
    )  # fmt: skip
    assert "start=2026-03-01T07:00:00.000000Z" in again["url"]
    assert "layout" not in again["url"]
    assert again["window"] == "2026-03-01 07:00 → 2026-03-01 09:00 UTC"
    listed = operator.get(URL).json()["results"]
    assert [d["name"] for d in listed] == ["Feeder check"]
    # Nobody else sees, opens or deletes it.
    other = client_of(make_user(R.QA_REVIEWER, username="quentin"))
    assert other.get(URL).json()["results"] == []
    assert other.get(f"{URL}{display['id']}/").status_code == 404
    assert other.delete(f"{URL}{display['id']}/").status_code == 404
    assert operator.get(f"{URL}{display['id']}/").json()["tags"] == [SPEED]
    assert operator.delete(f"{URL}{display['id']}/").status_code == 204
    assert not TrendDisplay.objects.exists()
    # The audit trail holds each step, by its author.
    events = AuditEvent.objects.filter(table_name="historian_trend_display").order_by("seq")
    assert [(e.action, e.actor_username) for e in events] == [
        ("insert", "olga"), ("update", "olga"), ("delete", "olga")
    ]  # fmt: skip
    assert events[1].changes["last"] == ["8h", ""]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"name": " ", "tags": [FLOW]}, "name", "may not be blank"),
        ({"name": "x", "tags": [FLOW, "NO.SUCH"]}, "tags", "unknown tag(s): NO.SUCH"),
        ({"name": "x", "tags": [f"T{i}" for i in range(21)]}, "tags", "at most 20"),
        ({"name": "x", "tags": []}, "tags", ""),
        ({"name": "x", "tags": [FLOW], "layout": "sideways"}, "layout", ""),
        ({"name": "x", "tags": [FLOW], "last": "2h"}, "last", "one of 1h, 8h"),
        (
            {"name": "x", "tags": [FLOW], "last": "8h", "start": "2026-03-01T08:00:00Z"},
            "last",
            "not both",
        ),
        ({"name": "x", "tags": [FLOW], "start": "2026-03-01T08:00:00Z"}, "end", "both"),
        (
            {
                "name": "x",
                "tags": [FLOW],
                "start": "2026-03-01T09:00:00Z",
                "end": "2026-03-01T08:00:00Z",
            },
            "end",
            "after start",
        ),
        ({"name": "x", "tags": [FLOW], "start": "08:00", "end": "09:00"}, "start", ""),
    ],
)
def test_bad_fields_say_what_to_fix_and_save_nothing(
    tags: Any, operator: APIClient, body: dict[str, Any], field: str, says: str
) -> None:
    response = operator.post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert answer["error"] == "invalid"
    assert field in answer["fields"], answer
    assert says in str(answer["fields"][field])
    assert not TrendDisplay.objects.exists()
    assert not AuditEvent.objects.filter(table_name="historian_trend_display").exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_of_one_name_make_one_display(tags: Any, make_user: Any) -> None:
    user = make_user(R.PROCESS_ENGINEER, username="pat")
    start = threading.Barrier(4)
    statuses: list[int] = []

    def save(n: int) -> None:
        try:
            client = client_of(user)
            start.wait()
            body = {"name": "Shift view", "tags": [FLOW], "last": ["1h", "8h", "24h", "7d"][n]}
            statuses.append(client.post(URL, body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert TrendDisplay.objects.filter(owner=user, name="Shift view").count() == 1


@pytest.mark.django_db
def test_a_fixed_window_is_said_in_the_site_zone_with_utc_beside(
    tags: Any, operator: APIClient, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Zurich"
    body = {"name": "Night", "tags": [FLOW], "start": "2026-03-01T07:00:00Z",
            "end": "2026-03-01T09:00:00Z"}  # fmt: skip
    answer = operator.post(URL, body, format="json").json()
    assert answer["window"] == (
        "2026-03-01 08:00 → 2026-03-01 10:00 CET (2026-03-01 07:00 → 2026-03-01 09:00 UTC)"
    )


@pytest.mark.django_db
def test_the_service_refuses_tags_that_are_not_names(tags: Any, make_user: Any) -> None:
    from historian.errors import HistorianError
    from historian.services import display_save

    user = make_user(R.OPERATOR, username="otto")
    for bad in ([{"name": FLOW}], FLOW, [FLOW, 3]):
        with pytest.raises(HistorianError) as refused:
            display_save(actor=user, name="x", tags=bad)
        assert refused.value.fields == {"tags": "a list of one or more tag names"}
    assert not TrendDisplay.objects.exists()
