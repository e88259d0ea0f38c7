from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from historian.models import Tag
from tests.factories import TagFactory


@pytest.fixture
def engineer(make_user: Any) -> Any:
    return make_user(R.PROCESS_ENGINEER, username="eli")


@pytest.fixture
def tags(engineer: Any) -> dict[str, Tag]:
    made = {
        "flow": TagFactory(
            actor=engineer,
            name="L1.FEEDER1.MASSFLOW",
            equipment="L1/FEEDER1",
            unit="kg/h",
            classification="CPP",
            range_low=0,
            range_high=50,
        ),
        "speed": TagFactory(
            actor=engineer,
            name="L1.PRESS.SPEED",
            equipment="L1/PRESS",
            unit="rpm",
            value_type="int",
        ),
        "running": TagFactory(
            actor=engineer, name="L1.PRESS.RUNNING", equipment="L1/PRESS", value_type="bool"
        ),
        "lot": TagFactory(
            actor=engineer, name="L1.FEEDER1.LOT", equipment="L1/FEEDER1", value_type="string"
        ),
        "setpoint": TagFactory(
            actor=engineer,
            name="L1.FEEDER1.SETPOINT",
            equipment="L1/FEEDER1",
            unit="kg/h",
            step=True,
        ),
    }
    return made


@pytest.fixture
def collector(make_service_account: Any) -> APIClient:
    _, key = make_service_account("collector-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def post(
    client: APIClient,
    samples: list[dict[str, Any]],
    key: str = "k1",
    source: str = "opcua-collector-1",
) -> Any:
    return client.post(
        "/api/v1/historian/samples/",
        {"source": source, "ingest_key": key, "samples": samples},
        format="json",
    )
