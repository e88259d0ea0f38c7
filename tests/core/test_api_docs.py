"""/api/docs/ describes every operation and parameter in API.md's words, and links back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import roles as R
from core.api.views import LedgerlineAPIView

pytestmark = pytest.mark.django_db


def test_every_operation_and_parameter_is_described(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.PROCESS_ENGINEER))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    placeholder = " ".join((LedgerlineAPIView.__doc__ or "").split()[:4])
    operations = [(m, p, op) for p, ops in schema["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 15
    for method, path, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        assert op.get("description"), where
        assert placeholder not in op["description"], where
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), f"{where} {parameter['name']}"
    values = schema["paths"]["/api/v1/historian/tags/{name}/values/"]["get"]
    by_name = {p["name"]: p for p in values["parameters"]}
    assert {"mode", "points", "aggregates", "fill", "format", "interval", "tz"} <= set(by_name)
    assert "twa" in by_name["aggregates"]["description"]
    assert by_name["start"]["examples"]
    assert "Back to Ledgerline" in schema["info"]["description"]
