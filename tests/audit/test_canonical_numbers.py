"""Sealer and both verifiers parse and canonicalise with one function, so every value
PostgreSQL stores hashes the same in all three; a valid input cannot make them cry tampering;
and verification goes on past a break, so one break cannot hide another."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts import roles as R
from audit.canonical import canonical_text, event_hash, parse_json
from audit.context import audit_context
from audit.models import AuditEvent
from audit.services import record_security_event
from audit.verify import check_event, check_line
from historian.services import tag_create
from tests.audit.helpers import verify_both
from tests.conftest import PASSWORD
from tests.dbadmin import tamper
from tests.historian.conftest import post
from tests.testapp.models import Specimen

# What jsonb can hold, and what reaches it: Python floats (from JSON bodies and float
# columns), integers of any size, decimals of any length.
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 900
    ),
    st.sampled_from([1e20, 1e19, -0.0, 5e-324, 1.7976931348623157e308, 2**53 + 1, 10**19]),
)
# jsonb holds no NUL character (refused at the API: not a value that is ever stored).
TEXT = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
VALUES = st.recursive(
    st.one_of(NUMBERS, st.text(TEXT, max_size=20), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(TEXT, max_size=8), inner),
    max_leaves=12,
)


def json_text(value: Any) -> str:
    """JSON with decimals written as numbers (as a LIMS or a client might send them)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{canonical_text(k)}:{json_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    return canonical_text(value)


def through_postgres(json_text: str) -> str:
    """What jsonb keeps of a JSON text, as PostgreSQL writes it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [json_text])
        return str(cursor.fetchone()[0])


def sealer_and_verifiers(stored: str) -> tuple[str, str, str]:
    """The canonical text each of the three hashes: the sealer from PostgreSQL's text, the
    in-app verifier from the same, the standalone verifier from the export line."""
    sealed = canonical_text(parse_json(stored))
    in_app = canonical_text(parse_json(stored))
    exported = canonical_text(parse_json(stored))  # the line audit_export writes
    standalone = canonical_text(parse_json(exported))
    return sealed, in_app, standalone


@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=VALUES)
def test_every_stored_value_hashes_alike_in_sealer_and_verifiers(value: Any) -> None:
    stored = through_postgres(json_text({"v": value}))
    sealed, in_app, standalone = sealer_and_verifiers(stored)
    assert sealed == in_app == standalone
    assert canonical_text(parse_json(standalone)) == standalone  # a fixed point


@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_column_captured_by_to_jsonb_hashes_alike(value: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_to_jsonb(ROW(%s::float8))::text", [value])
        stored = str(cursor.fetchone()[0])
    sealed, in_app, standalone = sealer_and_verifiers(stored)
    assert sealed == in_app == standalone


@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=NUMBERS, b=NUMBERS)
def test_two_different_stored_numbers_never_hash_alike(a: Any, b: Any) -> None:
    first = through_postgres(json_text(a))
    second = through_postgres(json_text(b))
    if Decimal(first) != Decimal(second):
        assert canonical_text(parse_json(first)) != canonical_text(parse_json(second))


@pytest.mark.django_db(transaction=True)
def test_extreme_values_verify_through_sealer_and_both_verifiers(
    make_user: Any, tmp_path: Path
) -> None:
    nasty = [
        1e20,
        1e19,
        10**30,
        -(10**400),
        -0.0,
        5e-324,
        1.7976931348623157e308,
        0.1,
        Decimal("0.1000000000000000055511151231257827"),
        Decimal("1" + "0" * 400 + ".5"),
        "1e400",
    ]
    record_security_event(actor="system:test", event="numbers", details={"values": nasty})
    engineer = make_user(R.PROCESS_ENGINEER)
    with audit_context(actor=engineer, reason=""):
        Specimen.objects.create(name="huge", value=1e300)
        Specimen.objects.create(name="tiny", value=5e-324)
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (0, 0), (line, s_line)


@pytest.mark.django_db(transaction=True)
def test_a_tag_range_of_1e20_and_a_correction_of_1e19_do_not_blind_the_verifiers(
    make_user: Any, make_service_account: Any, tmp_path: Path
) -> None:
    """The attack: one valid input made both verifiers report tampering for good."""
    engineer = make_user(R.PROCESS_ENGINEER, username="eng-1e20")
    tag_create(actor=engineer, name="L1.TEMP", equipment="L1/BLENDER", unit="C")
    client = APIClient()
    client.force_login(engineer)
    response = client.patch(
        "/api/v1/historian/tags/L1.TEMP/", {"range_high": 1e20, "reason": "widen"}, format="json"
    )
    assert response.status_code == 200, response.content
    _, key = make_service_account("c-1e20")
    collector = APIClient()
    collector.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert post(collector, [{"tag": "L1.TEMP", "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    qa = make_user(R.QA_REVIEWER, username="qa-1e19")
    reviewer = APIClient()
    reviewer.force_login(qa)
    correction = reviewer.post(
        "/api/v1/historian/tags/L1.TEMP/corrections/",
        {
            "start": "2026-03-01T08:00:00Z",
            "end": "2026-03-01T08:00:01Z",
            "values": [{"ts": "2026-03-01T08:00:00Z", "value": 1e19}],
            "reason": "scale factor",
            "signature": {
                "username": "qa-1e19",
                "password": PASSWORD,
                "meaning": "approved",
                "reason": "approved",
            },
        },
        format="json",
    )
    assert correction.status_code == 201, correction.content
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (0, 0), (line, s_line)


@pytest.mark.django_db(transaction=True)
def test_verification_goes_on_past_a_break_and_reports_every_broken_event(
    make_user: Any, tmp_path: Path
) -> None:
    engineer = make_user(R.PROCESS_ENGINEER)
    with audit_context(actor=engineer, reason=""):
        made = [Specimen.objects.create(name=f"s{i}", value=float(i)) for i in range(6)]
    events = list(
        AuditEvent.objects.filter(table_name="testapp_specimen").order_by("seq")[: len(made)]
    )
    first, later = events[1].seq, events[4].seq
    gone = events[2].seq
    tamper(
        [
            f"UPDATE audit_event SET reason = 'edited' WHERE seq = {first}",
            f"DELETE FROM audit_event WHERE seq = {gone}",
            f"UPDATE audit_event SET reason = 'edited too' WHERE seq = {later}",
        ],
        ["audit_event"],
    )
    from audit.database_verification import verify_database

    result = verify_database()
    lines = [f.line() for f in result.failures]
    assert result.line().startswith(f"FAIL event {first}: content does not match")
    assert f"FAIL event {gone}: missing: the chain continues with seq {gone + 1}" in lines
    assert f"FAIL event {later}: content does not match its hash (the event was altered)" in lines
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (1, 1)
    assert line == s_line == result.line()


def test_the_fast_path_for_security_lines_agrees_with_parsing() -> None:
    """The standalone verifier hashes most lines without parsing them: same answer."""
    event = {
        "seq": 7,
        "occurred_at": "2026-01-01T00:00:00.000000Z",
        "actor": {"id": None, "username": "u"},
        "action": "security",
        "table": "security",
        "pk": "u",
        "changes": {"event": "login", "n": 10**20, "x": Decimal("0.1000000000000000055")},
        "reason": "",
        "request_id": "",
        "prev_hash": "1" * 64,
    }
    line = canonical_text({**event, "hash": event_hash(event), "type": "event"})
    assert check_line(line).hash_ok
    assert check_event(parse_json(line)).hash_ok
    assert not check_line(line.replace('"n":1', '"n":2')).hash_ok
