"""Capture in the database: every write path on a GxP table is recorded, or refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from accounts import roles as R
from audit.actors import MissingActor
from audit.context import audit_context
from audit.export import audited_tables
from audit.models import AuditEvent
from tests.dbadmin import superuser_cursor
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(make_user: Any) -> Any:
    return make_user(R.PROCESS_ENGINEER, username="eng")


@pytest.fixture
def specimens(engineer: Any) -> list[Specimen]:
    with audit_context(actor=engineer, reason=""):
        return [Specimen.objects.create(name=f"s{i}", value=float(i)) for i in range(3)]


def events_for(table: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name=table).order_by("seq"))


def test_queryset_update_without_context_is_refused(specimens: list[Specimen]) -> None:
    with pytest.raises(Exception, match="without an audit context"), transaction.atomic():
        Specimen.objects.update(value=0)


def test_raw_sql_without_context_is_refused(specimens: list[Specimen]) -> None:
    with (
        pytest.raises(Exception, match="without an audit context"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE testapp_specimen SET note = 'sneaky'")
    with (
        pytest.raises(Exception, match="without an audit context"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO testapp_specimen (name, value, note, version) VALUES ('x', 1, '', 1)"
        )


def test_update_with_context_records_every_touched_row(
    specimens: list[Specimen], engineer: Any
) -> None:
    before = len(events_for("testapp_specimen"))
    with audit_context(actor=engineer, reason="recalibrated balance"):
        touched = Specimen.objects.update(value=42.0)
    events = events_for("testapp_specimen")[before:]
    assert touched == 3
    assert len(events) == 3
    assert {e.record_pk for e in events} == {str(s.pk) for s in specimens}
    for event, specimen in zip(events, specimens, strict=True):
        assert event.action == "update"
        assert event.changes == {"value": [float(specimen.pk - specimens[0].pk), 42.0]}
        assert event.reason == "recalibrated balance"
        assert event.actor_username == "eng"
        assert event.actor_id == engineer.pk
        assert event.seq is not None
        assert event.hash


def test_raw_sql_and_bulk_writes_with_context_are_recorded(engineer: Any) -> None:
    with audit_context(actor=engineer, reason="bulk load"):
        Specimen.objects.bulk_create([Specimen(name=f"b{i}") for i in range(4)])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO testapp_specimen (name, value, note, version) VALUES ('raw', 7, '', 1)"
            )
    inserts = [e for e in events_for("testapp_specimen") if e.action == "insert"]
    assert len(inserts) == 5
    assert inserts[-1].changes["name"] == [None, "raw"]
    assert inserts[-1].changes["value"] == [None, 7.0]


def test_a_change_or_delete_without_a_reason_is_refused(
    specimens: list[Specimen], engineer: Any
) -> None:
    with pytest.raises(Exception, match="needs a reason"), audit_context(actor=engineer):
        Specimen.objects.filter(pk=specimens[0].pk).update(note="no reason given")
    with pytest.raises(Exception, match="needs a reason"), audit_context(actor=engineer):
        Specimen.objects.filter(pk=specimens[0].pk).delete()
    assert Specimen.objects.filter(pk=specimens[0].pk, note="").exists()


def test_a_delete_with_a_reason_keeps_the_full_row(
    specimens: list[Specimen], engineer: Any
) -> None:
    doomed = specimens[2]
    with audit_context(actor=engineer, reason="entered on the wrong line"):
        doomed.delete()
    event = events_for("testapp_specimen")[-1]
    assert event.action == "delete"
    assert event.changes["name"] == ["s2", None]
    assert event.reason == "entered on the wrong line"


def test_the_context_needs_an_actor() -> None:
    with pytest.raises(MissingActor), audit_context(actor=None):
        pass
    with pytest.raises(MissingActor), audit_context(actor="somebody"):  # system:<name> only
        pass


def test_an_update_that_changes_nothing_audited_is_no_event(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="login-only")
    before = AuditEvent.objects.filter(table_name="accounts_user").count()
    from django.contrib.auth.models import update_last_login

    update_last_login(None, user)  # only last_login: the login's security event covers it
    assert AuditEvent.objects.filter(table_name="accounts_user").count() == before


def test_password_hashes_never_enter_the_trail(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="hashed")
    for event in AuditEvent.objects.filter(table_name="accounts_user", record_pk=str(user.pk)):
        if "password" in event.changes:
            _old, new = event.changes["password"]
            assert new is None or new.startswith("sha256:")
            assert "argon2" not in str(event.changes)


def test_history_rows_are_written_by_the_trigger(specimens: list[Specimen], engineer: Any) -> None:
    target = specimens[0]
    with audit_context(actor=engineer, reason="typo"):
        Specimen.objects.filter(pk=target.pk).update(name="s0 corrected")
    history = list(target.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[-1].history_change_reason == "typo"
    assert history[-1].history_user_id == engineer.pk
    delta = history[-1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("name", "s0", "s0 corrected")]


def test_every_protected_table_has_always_enabled_triggers() -> None:
    tables = set(audited_tables())
    assert {
        "accounts_user",
        "auth_group",
        "auth_group_permissions",
        "accounts_user_groups",
        "testapp_specimen",
        "audit_review",
    } <= tables
    append_only = {
        "audit_event",
        "audit_signature",
        "audit_checkpoint",
        "audit_signing_key",
        "accounts_user_history",
        "testapp_specimen_history",
    }
    with superuser_cursor() as cur:
        cur.execute(
            """SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t
               JOIN pg_class c ON c.oid = t.tgrelid
               WHERE NOT t.tgisinternal AND c.relname = ANY(%s)""",
            [sorted(tables | append_only)],
        )
        rows = cur.fetchall()
    covered = {r[0] for r in rows}
    assert covered == tables | append_only
    assert all(enabled == "A" for _, _, enabled in rows), [r for r in rows if r[2] != "A"]
