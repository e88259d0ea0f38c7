"""What decides who may do what leaves a trace: API tokens, permissions, content types and
groups are audited row by row, and each account's lock is checked against the security events
that set it. Attacks as the runtime role and as a superuser without the signing key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.test import Client

from accounts import roles as R
from accounts.models import ApiToken
from accounts.services import token_revoke, user_unlock
from audit.models import AuditEvent
from tests.audit.helpers import verify_both
from tests.conftest import SEED
from tests.dbadmin import superuser_cursor, tamper

pytestmark = pytest.mark.django_db(transaction=True)


def assert_both_fail(tmp_path: Path, words: str) -> None:
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (1, 1), (line, s_line)
    assert words in line, line
    assert words in s_line, s_line


@pytest.fixture
def token(make_service_account: Any) -> tuple[ApiToken, str]:
    account, key = make_service_account("mes-1")
    return ApiToken.objects.get(user=account), key


def test_tokens_are_audited_row_by_row_but_their_use_is_not(
    token: tuple[ApiToken, str], tmp_path: Path
) -> None:
    row, key = token
    events = AuditEvent.objects.filter(table_name="accounts_api_token", record_pk=str(row.pk))
    inserted = events.get(action="insert")
    assert inserted.changes["digest"][1].startswith("sha256:")  # never the digest itself
    assert Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None
    assert events.count() == 1  # last use is not a change of who may do what
    token_revoke(actor=SEED, token=row, reason="rotated")
    assert events.filter(action="update", reason="rotated").exists()
    (code, line), (s_code, _) = verify_both(tmp_path)
    assert (code, s_code) == (0, 0), line


def test_the_runtime_role_cannot_extend_a_token_without_a_trace(
    token: tuple[ApiToken, str],
) -> None:
    row, _ = token
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="without an audit context"):
            cur.execute(
                "UPDATE accounts_api_token SET expires_at = now() + interval '10 years' "
                f"WHERE id = {row.pk}"
            )
        cur.connection.rollback()


def test_a_ten_year_token_made_around_the_trail_is_found(
    token: tuple[ApiToken, str], tmp_path: Path
) -> None:
    row, _ = token
    tamper(
        [
            "UPDATE accounts_api_token SET expires_at = now() + interval '10 years' "
            f"WHERE id = {row.pk}"
        ],
        ["accounts_api_token"],
    )
    assert_both_fail(tmp_path, f"row accounts_api_token:{row.pk} differs")


def test_a_revoked_token_revived_around_the_trail_is_found(
    token: tuple[ApiToken, str], tmp_path: Path
) -> None:
    row, key = token
    token_revoke(actor=SEED, token=row, reason="leaked")
    tamper(
        [f"UPDATE accounts_api_token SET revoked_at = NULL WHERE id = {row.pk}"],
        ["accounts_api_token"],
    )
    assert Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert_both_fail(tmp_path, "revoked_at")


def test_swapped_permission_codenames_are_found(make_user: Any, tmp_path: Path) -> None:
    """The attack that let the administrator read process data: swap two codenames."""
    make_user(R.ADMINISTRATOR, username="admin-x")
    tamper(
        [
            "UPDATE auth_permission SET codename = 'swap_tmp' WHERE codename = 'manage_users'",
            "UPDATE auth_permission SET codename = 'manage_users' "
            "WHERE codename = 'view_process_data'",
            "UPDATE auth_permission SET codename = 'view_process_data' WHERE codename = 'swap_tmp'",
        ],
        ["auth_permission"],
    )
    assert_both_fail(tmp_path, "row auth_permission:")
    (_, line), _ = verify_both(tmp_path)
    assert "codename" in line


def test_the_runtime_role_cannot_swap_permissions_or_content_types() -> None:
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_app")
        for statement in (
            "UPDATE auth_permission SET codename = 'x' WHERE codename = 'manage_users'",
            "UPDATE django_content_type SET app_label = 'core' WHERE app_label = 'accounts'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="audit context"):
                cur.execute(statement)
            cur.connection.rollback()
            cur.execute("SET ROLE ledgerline_app")


def test_a_lock_lifted_around_the_trail_is_found(make_user: Any, tmp_path: Path) -> None:
    """The lockout counter is not captured row by row: each account's lock is checked against
    the security events that set it (account_locked, account_unlocked)."""
    make_user(R.OPERATOR, username="locked-out")
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "locked-out", "password": "wrong wrong"})
    (code, line), _ = verify_both(tmp_path)
    assert code == 0, line
    with superuser_cursor() as cur:  # the runtime role may write the counter …
        cur.execute("SET ROLE ledgerline_app")
        cur.execute(
            "UPDATE accounts_login_throttle SET locked_at = NULL, failed_count = 0 "
            "FROM accounts_user u WHERE u.id = user_id AND u.username = 'locked-out'"
        )
    locked = AuditEvent.objects.get(changes__event="account_locked", record_pk="locked-out")
    (code, line), (s_code, s_line) = verify_both(tmp_path)  # … but not unnoticed
    assert (code, s_code) == (1, 1)
    expected = (
        f"FAIL event {locked.seq}: account_lock of locked-out is False in the database, "
        "but the chain's last event for it set True (changed around the trail)"
    )
    assert line == s_line == expected


def test_a_lock_set_around_the_trail_is_found_and_a_recorded_unlock_verifies(
    make_user: Any, tmp_path: Path
) -> None:
    victim = make_user(R.OPERATOR, username="victim-2")
    admin = make_user(R.ADMINISTRATOR, username="admin-2")
    with superuser_cursor() as cur:
        cur.execute(
            "INSERT INTO accounts_login_throttle (user_id, failed_count, locked_at) "
            f"VALUES ({victim.pk}, 0, now())"
        )
    assert_both_fail(tmp_path, "account_lock of victim-2 is True without any event that set it")
    user_unlock(actor=admin, user=victim, reason="locked by mistake")
    (code, line), (s_code, _) = verify_both(tmp_path)
    assert (code, s_code) == (0, 0), line
