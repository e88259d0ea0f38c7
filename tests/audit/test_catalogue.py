"""Which tables are audited comes from declarations in code, recorded in the chain as a
catalogue: dropping, disabling or rewriting what protects a table cannot take it out of the
checks, and both verifiers say so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts import roles as R
from audit.catalogue import AuditedTable, declaration_problems
from audit.database_verification import verify_database
from audit.frozen.v1 import CAPTURE_FUNCTIONS, capture_sql
from audit.models import AuditEvent
from audit.registry import current_catalogue, declared_tables, record_catalogue
from historian.services import tag_create
from tests.audit.helpers import verify_both
from tests.dbadmin import superuser_cursor
from tests.historian.conftest import post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def repair() -> Iterator[list[str]]:
    """SQL (as the owner) that puts back what a test broke: the schema outlives the test's
    data, and the next test's catalogue is recorded from it."""
    statements: list[str] = []
    yield statements
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_owner")
        for statement in statements:
            cur.execute(statement)


TAG_CAPTURE = capture_sql("historian_tag", history_table="historian_tag_history")


@pytest.fixture
def engineer(make_user: Any) -> Any:
    return make_user(R.PROCESS_ENGINEER, username="cat-eng")


@pytest.fixture
def tag(engineer: Any) -> Any:
    return tag_create(actor=engineer, name="L1.TEMP", equipment="L1/BLENDER", unit="C")


def assert_both_fail(tmp_path: Path, words: str) -> tuple[str, str]:
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (1, 1), (line, s_line)
    assert words in line, line
    assert words in s_line, s_line
    return line, s_line


def test_the_database_has_everything_the_code_declares() -> None:
    catalogue = current_catalogue()
    assert declaration_problems(catalogue["tables"], catalogue["triggers"]) == []
    assert {"historian_tag", "accounts_api_token", "auth_permission", "audit_event"} <= set(
        declared_tables()
    )


def test_the_catalogue_is_in_the_chain_and_recorded_again_only_when_it_changes() -> None:
    recorded = AuditEvent.objects.filter(action="catalogue").order_by("-seq").first()
    assert recorded is not None
    assert recorded.actor_username == "system:migration"
    assert set(recorded.changes["tables"]) == set(declared_tables())
    assert record_catalogue(reason="again") is False
    assert AuditEvent.objects.filter(action="catalogue").count() == 1


def test_a_dropped_capture_trigger_cannot_hide_a_table(
    tag: Any, tmp_path: Path, repair: list[str]
) -> None:
    """The attack: DROP TRIGGER historian_tag_audit; UPDATE historian_tag SET unit='F'."""
    repair.append(TAG_CAPTURE)
    with superuser_cursor() as cur:
        cur.execute("DROP TRIGGER historian_tag_audit ON historian_tag")
        cur.execute(f"UPDATE historian_tag SET unit = 'F' WHERE id = {tag.pk}")
    assert_both_fail(tmp_path, "historian_tag")
    messages = [f.message for f in verify_database().failures]
    assert "historian_tag lacks its trigger historian_tag_audit" in messages
    assert any(m.startswith(f"row historian_tag:{tag.pk} differs") for m in messages)


def test_a_disabled_trigger_fails_verification(tag: Any, tmp_path: Path, repair: list[str]) -> None:
    repair.append(TAG_CAPTURE)
    with superuser_cursor() as cur:
        cur.execute("ALTER TABLE historian_tag DISABLE TRIGGER historian_tag_audit")
    assert_both_fail(tmp_path, "historian_tag's trigger historian_tag_audit is disabled")


def test_a_trigger_demoted_from_always_fails_verification(
    tag: Any, tmp_path: Path, repair: list[str]
) -> None:
    """ENABLE (origin only) lets `session_replication_role = replica` skip the capture."""
    repair.append(TAG_CAPTURE)
    with superuser_cursor() as cur:
        cur.execute("ALTER TABLE historian_tag ENABLE TRIGGER historian_tag_audit")
    assert_both_fail(tmp_path, "historian_tag's trigger historian_tag_audit is disabled")


def test_a_rewritten_capture_function_fails_verification(
    tag: Any, tmp_path: Path, repair: list[str]
) -> None:
    """CREATE OR REPLACE of a function body keeps every trigger in place."""
    repair.append(CAPTURE_FUNCTIONS)
    with superuser_cursor() as cur:
        cur.execute("SELECT pg_get_functiondef('audit_capture()'::regprocedure)")
        body = cur.fetchone()[0]
        skip = "BEGIN\n  IF TG_TABLE_NAME = 'x' THEN RETURN NULL; END IF;\n"
        cur.execute(body.replace("BEGIN\n", skip, 1))
    assert_both_fail(tmp_path, "the body of function audit_capture() differs")


def test_an_added_trigger_fails_verification(tag: Any, tmp_path: Path, repair: list[str]) -> None:
    """A BEFORE trigger that silently drops writes would blind the capture."""
    repair += ["DROP TRIGGER aaa_swallow ON historian_tag", "DROP FUNCTION swallow()"]
    with superuser_cursor() as cur:
        cur.execute(
            "CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$"
        )
        cur.execute(
            "CREATE TRIGGER aaa_swallow BEFORE UPDATE ON historian_tag FOR EACH ROW "
            "EXECUTE FUNCTION swallow()"
        )
    assert_both_fail(tmp_path, "historian_tag has a trigger aaa_swallow that was never")


def test_a_dropped_trigger_on_a_chunk_of_the_sample_hypertable_fails(
    tags_and_samples: Any, tmp_path: Path
) -> None:
    with superuser_cursor() as cur:
        cur.execute(
            "SELECT chunk_schema || '.' || chunk_name FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'historian_sample' LIMIT 1"
        )
        chunk = cur.fetchone()[0]
        cur.execute(f"DROP TRIGGER historian_sample_append_only ON {chunk}")
    assert_both_fail(tmp_path, f"chunk {chunk} of historian_sample lacks trigger(s)")


@pytest.fixture
def tags_and_samples(tag: Any, make_service_account: Any) -> Any:
    from rest_framework.test import APIClient

    _, key = make_service_account("cat-collector")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = post(client, [{"tag": "L1.TEMP", "ts": "2026-11-01T00:00:00Z", "value": 21.5}])
    assert response.status_code == 201, response.content
    return tag


def test_declarations_that_differ_from_the_chain_are_reported(
    tag: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit import registry

    declared = dict(declared_tables())
    declared["historian_annotation"] = AuditedTable("historian_annotation", ignored=("text",))
    monkeypatch.setattr(registry, "declared_tables", lambda: declared)
    import audit.export

    monkeypatch.setattr(audit.export, "declared_tables", lambda: declared)
    (code, line), _ = verify_both(tmp_path)
    assert code == 1
    assert "the audited tables the code declares differ" in line


def test_the_migration_operation_installs_what_the_declaration_says() -> None:
    """Signed tables got their guards from audit.operations.AuditedTable (frozen SQL v2):
    the guard names the declared signed fields, so the catalogue's check passes."""
    from audit.operations import AuditedTable as Operation

    operation = Operation("x_table", signed_fields=("id", "value"), append_only=True)
    path, args, kwargs = operation.deconstruct()
    assert (path, args) == ("audit.operations.AuditedTable", ["x_table"])
    assert kwargs == {"sql": 2, "signed_fields": ("id", "value"), "append_only": True}
    sql = "\n".join(operation.statements())
    assert "audit_signed_guard('id', 'id,value')" in sql
    assert "x_table_append_only" in sql
    with pytest.raises(ValueError, match="no frozen audit SQL version"):
        Operation("x_table", sql=99)
    catalogue = current_catalogue()
    guards = {
        t: next(g for g in catalogue["triggers"][t] if g[0] == f"{t}_signed_guard")
        for t in ("audit_review", "historian_correction", "testapp_specimen")
    }
    assert guards["historian_correction"][4].startswith("id\\000id,tag_id,start,")
