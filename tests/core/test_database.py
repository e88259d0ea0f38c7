"""The real database: TimescaleDB in the test database, roles, status reporting."""

from __future__ import annotations

import os
import pwd
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts import roles as R
from tests.dbadmin import superuser_cursor

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_the_test_database_has_timescaledb_and_can_make_a_hypertable() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
        assert cursor.fetchone() is not None
        cursor.execute("CREATE TABLE probe (ts timestamptz NOT NULL, v double precision)")
        cursor.execute("SELECT create_hypertable('probe', by_range('ts', INTERVAL '1 day'))")
        cursor.execute("INSERT INTO probe VALUES (now(), 1.0), (now() - interval '3 days', 2)")
        cursor.execute("SELECT count(*) FROM show_chunks('probe')")
        assert cursor.fetchone()[0] == 2


def test_tables_belong_to_the_nologin_owner_not_the_runtime_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert {row[0] for row in cursor.fetchall()} == {"ledgerline_owner"}
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'ledgerline_owner'")
        assert cursor.fetchone()[0] is False


def test_telemetry_is_off() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW timescaledb.telemetry_level")
        assert cursor.fetchone()[0] == "off"


def test_runtime_role_cannot_drop_chunks() -> None:
    with superuser_cursor() as cur:
        cur.execute(
            "SELECT has_function_privilege('ledgerline_app', "
            '\'drop_chunks(regclass, "any", "any", boolean, "any", "any")\', '
            "'EXECUTE')"
        )
        assert cur.fetchone()[0] is False


def test_status_command_reports_timescaledb_and_its_license() -> None:
    out = StringIO()
    call_command("status", stdout=out)
    text = out.getvalue()
    assert "timescaledb           2." in text
    assert "(license: apache)" in text or "(license: timescale)" in text
    assert "postgresql            15" in text or "postgresql" in text


def test_status_api_says_ok_to_anyone_and_more_to_the_signed_in(make_user: Any) -> None:
    anonymous = Client().get("/api/v1/status/")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ok"}
    client = Client()
    client.force_login(make_user(R.AUDITOR))
    body = client.get("/api/v1/status/").json()
    assert body["timescaledb"]["installed"] is True
    assert body["timescaledb"]["license"] in {"apache", "timescale"}
    assert body["database"]["server_version"]
    assert set(body["chain_head"]) == {"seq", "hash"}


def test_status_page_shows_timescaledb(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.OPERATOR))
    page = client.get("/status/").content.decode()
    assert 'data-testid="tsdb-version">2.' in page
    assert 'data-testid="tsdb-license">apache' in page or "timescale" in page


def test_api_errors_have_the_contract_body(api_client: Any) -> None:
    response = api_client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_request_id_is_echoed() -> None:
    response = Client().get("/api/v1/status/", HTTP_X_REQUEST_ID="collector-req-000123")
    assert response["X-Request-Id"] == "collector-req-000123"
    assert len(Client().get("/api/v1/status/")["X-Request-Id"]) == 32


def test_the_application_never_takes_the_superusers_url_from_the_env_file(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.env import LOCAL_DATABASE_KEYS, load_env_file

    env = tmp_path / "env"
    env.write_text(
        "DATABASE_URL=postgres://app@h/db\nSUPERUSER_DATABASE_URL=postgres://postgres@h/db\n"
        "LEDGERLINE_SIGNING_KEY_DIR=/tmp/elsewhere\n"
    )
    for key in ("DATABASE_URL", "SUPERUSER_DATABASE_URL", "LEDGERLINE_SIGNING_KEY_DIR"):
        monkeypatch.delenv(key, raising=False)
    load_env_file(env, LOCAL_DATABASE_KEYS)
    assert os.environ["DATABASE_URL"] == "postgres://app@h/db"
    assert "SUPERUSER_DATABASE_URL" not in os.environ
    assert "LEDGERLINE_SIGNING_KEY_DIR" not in os.environ


def test_the_postgres_os_user_owns_neither_data_nor_the_application_state() -> None:
    """A database superuser reaches the postgres OS user (COPY … TO PROGRAM): it must not be
    able to replace .data/env or reach the key and the witness journal."""
    postgres = pwd.getpwnam("postgres").pw_uid
    for path in (ROOT / ".data", ROOT / ".state", Path(settings.SIGNING_KEY_DIR)):
        if path.exists():
            assert path.stat().st_uid != postgres, path
    assert (ROOT / ".data" / "env").stat().st_mode & 0o077 == 0


def test_the_reading_cursor_loads_the_same_utc_datetimes_as_django() -> None:
    """Historian reads load timestamps with psycopg's C loader (core.dbsql.reading_cursor);
    it must give what Django's loader gives: aware datetimes in UTC, to the microsecond."""
    from core.dbsql import reading_cursor

    query = (
        "SELECT '2026-03-29 00:59:59.999999+00'::timestamptz + g * interval '1 h 0.000001 s' "
        "FROM generate_series(0, 3) g"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        by_django = [row[0] for row in cursor.fetchall()]
    with reading_cursor() as cursor:
        cursor.execute(query)
        by_psycopg = [row[0] for row in cursor.fetchall()]
    assert by_psycopg == by_django
    assert all(value.utcoffset() == timedelta(0) for value in by_psycopg)
    assert [v.isoformat() for v in by_psycopg] == [v.isoformat() for v in by_django]
