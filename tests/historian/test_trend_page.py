"""What the trend page takes from its URL: the window (given, picked or the latest data's),
the layout, and a message saying what to fix for each bad parameter."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.historian.conftest import post

pytestmark = pytest.mark.django_db

FLOW, SPEED = "L1.FEEDER1.MASSFLOW", "L1.PRESS.SPEED"


def page(client: Client, **params: str) -> Any:
    response = client.get("/historian/trend/", params)
    assert response.status_code == 200
    return response.context


def test_the_default_window_ends_at_the_latest_sample_of_the_tags(
    tags: Any, engineer: Any, collector: Any
) -> None:
    for key, sample in (
        ("a", {"tag": FLOW, "ts": "2026-03-01T08:00:05Z", "value": 1.0}),
        ("b", {"tag": SPEED, "ts": "2026-03-01T09:14:30.5Z", "value": 3}),
    ):
        assert post(collector, [sample], key=key).status_code == 201
    client = Client()
    client.force_login(engineer)
    window = page(client, tags=f"{FLOW},{SPEED}")["window"]
    assert (window["start"], window["end"]) == (
        "2026-03-01T01:15:00.000000Z",
        "2026-03-01T09:15:00.000000Z",
    )
    assert window["layout"] == "axes"
    # The URL's own window wins; the layout is taken as given.
    context = page(
        client, tags=FLOW, start="2026-03-01T07:00:00Z", end="2026-03-01T08:00:00Z", layout="lanes"
    )
    assert context["window"]["start"] == "2026-03-01T07:00:00.000000Z"
    assert context["window"]["layout"] == "lanes"
    assert context["problems"] == []


def test_bad_parameters_say_what_to_fix_and_the_page_still_opens(tags: Any, engineer: Any) -> None:
    client = Client()
    client.force_login(engineer)
    context = page(client, tags=f"{FLOW},NOPE", layout="sideways", last="2h")
    assert context["missing"] == ["NOPE"]
    assert [t.name for t in context["tags"]] == [FLOW]
    problems = " ".join(context["problems"])
    assert "layout='sideways' is not one of axes, lanes" in problems
    assert "last='2h' is not one of 1h, 8h, 24h, 7d, 30d" in problems
    assert context["window"]["layout"] == "axes"
    # No sample yet: the latest 8 hours until now.
    assert context["window"]["start"] < context["window"]["end"]
