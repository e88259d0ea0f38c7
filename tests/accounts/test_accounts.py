"""Part 11 account controls: identity, roles, passwords, deactivation, separation of duties."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts import roles as R
from accounts.errors import AccountError, SeparationOfDutiesError
from accounts.models import ApiToken, User
from accounts.services import (
    authenticate_credentials,
    service_account_create,
    token_revoke,
    token_rotate,
    user_change_password,
    user_create,
    user_deactivate,
    user_set_roles,
)
from audit.actors import SystemActor
from audit.context import audit_context
from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
SEED = SystemActor("system:seed")


def events(event: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(changes__event=event).order_by("seq"))


def test_alice_cannot_be_created_beside_alice(make_user: Any) -> None:
    make_user(R.OPERATOR, username="alice")
    with pytest.raises(AccountError, match="taken"):
        user_create(
            actor=SEED, username="Alice", full_name="Alice Again", roles=[R.OPERATOR], reason="test"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ALICE", full_name="Bypassing the service")


def test_login_ignores_the_case_of_the_username(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="mixed")
    assert authenticate_credentials(username="MIXED", password=PASSWORD) == user


def test_deleting_a_user_is_refused_in_python_and_in_the_database(make_user: Any) -> None:
    user = make_user(R.OPERATOR)
    with pytest.raises(ValidationError, match="deactivate"):
        user.delete()
    # Even inside an audit context, with a reason, the database refuses.
    with (
        pytest.raises(Exception, match="never deleted"),
        audit_context(actor=SEED, reason="trying to delete"),
    ):
        User.objects.filter(pk=user.pk).delete()
    with (
        pytest.raises(Exception, match="never deleted"),
        audit_context(actor=SEED, reason="trying to delete"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [user.pk])
    assert User.objects.filter(pk=user.pk).exists()


def test_a_username_never_changes(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="fixed-name")
    with (
        pytest.raises(Exception, match="never changes"),
        audit_context(actor=SEED, reason="rename"),
    ):
        User.objects.filter(pk=user.pk).update(username="free-again")


def test_no_superuser_can_exist(db: None) -> None:
    with pytest.raises(ValidationError):
        User.objects.create_superuser("root", "whatever-password-123")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="root2", full_name="Root", is_superuser=True)


def test_passwords_are_hashed_with_argon2(make_user: Any) -> None:
    user = make_user(R.OPERATOR)
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short-pw-1", "too short"),
        ("password1234", "too common"),
        ("validator-user-x", "too similar"),
    ],
)
def test_password_rules(make_user: Any, new_password: str, message: str) -> None:
    user = make_user(R.OPERATOR, username="validator-user-x")
    with pytest.raises(AccountError, match=message):
        user_change_password(user=user, old_password=PASSWORD, new_password=new_password)


def test_one_time_password_must_be_changed_at_first_login(db: None) -> None:
    user_create(actor=SEED, username="adm", full_name="Adm", roles=[R.ADMINISTRATOR], reason="test")
    user, one_time = user_create(
        actor=SEED, username="newbie", full_name="New Bie", roles=[R.OPERATOR], reason="test"
    )
    assert user.must_change_password
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "newbie", "password": one_time}).status_code
        == 302
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": one_time,
            "new_password": "my own long secret 77",
            "confirm_password": "my own long secret 77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/").status_code == 200
    assert events("password_changed")[-1].actor_username == "newbie"


def test_deactivated_user_can_neither_log_in_nor_use_a_token(
    make_user: Any, make_service_account: Any
) -> None:
    person = make_user(R.OPERATOR, username="leaver")
    account, key = make_service_account("old-collector")
    user_deactivate(actor=SEED, user=person, reason="left the company")
    user_deactivate(actor=SEED, user=account, reason="collector decommissioned")
    response = Client().post("/accounts/login/", {"username": "leaver", "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.content.decode()
    response = Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert [e.record_pk for e in events("user_deactivated")] == ["leaver", "old-collector"]


def test_service_accounts_cannot_log_in_with_a_password(make_service_account: Any) -> None:
    account, _ = make_service_account("svc")
    with audit_context(actor=SEED, reason="test: a password set on a service account"):
        account.set_password(PASSWORD)  # even if a password were somehow set
        account.save()
    client = Client()
    response = client.post("/accounts/login/", {"username": "svc", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # Refused like an unknown user: the page does not tell that the name is a service account.
    assert "The username or password is not correct." in response.content.decode()
    assert "API token" not in response.content.decode()


def test_tokens_are_stored_hashed_and_attributed(make_service_account: Any) -> None:
    account, key = make_service_account("mes")
    token = ApiToken.objects.get(user=account)
    assert key not in {token.digest, token.prefix}
    assert not ApiToken.objects.filter(digest__contains=key[-20:]).exists()
    client = Client()
    response = client.get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert "versions" in response.json()
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expired_and_revoked_tokens_are_refused(make_service_account: Any) -> None:
    account, key = make_service_account("expiring")
    token = ApiToken.objects.get(user=account)
    with audit_context(actor=SEED, reason="test: let the token expire"):
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"

    account2, key2 = make_service_account("revoked")
    token_revoke(actor=SEED, token=ApiToken.objects.get(user=account2), reason="leaked")
    assert Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {key2}").status_code == 401
    assert events("token_revoked")[-1].reason == "leaked"


def test_rotation_issues_a_new_key_and_revokes_the_old(make_service_account: Any) -> None:
    account, old_key = make_service_account("rotating")
    old = ApiToken.objects.get(user=account)
    new, new_key = token_rotate(actor=SEED, token=old, reason="yearly rotation")
    assert new.rotated_from == old
    assert Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {old_key}").status_code == 401
    assert Client().get("/api/v1/status/", HTTP_AUTHORIZATION=f"Token {new_key}").status_code == 200


def test_an_administrator_cannot_be_given_gxp_permissions(make_user: Any) -> None:
    admin = make_user(R.ADMINISTRATOR, username="sep-admin")
    with pytest.raises(SeparationOfDutiesError):
        user_set_roles(
            actor=SEED,
            user=admin,
            roles=[R.ADMINISTRATOR, R.QA_REVIEWER],
            reason="wants to release batches",
        )
    with pytest.raises(SeparationOfDutiesError):
        user_create(
            actor=SEED,
            username="both",
            full_name="Both",
            roles=[R.ADMINISTRATOR, R.OPERATOR],
            reason="test",
        )
    # Around the service, straight through the ORM, it is refused all the same.
    with pytest.raises(SeparationOfDutiesError), audit_context(actor=SEED, reason="test"):
        admin.groups.add(Group.objects.get(name=R.OPERATOR))
    release = Permission.objects.get(codename="release_batches")
    with pytest.raises(SeparationOfDutiesError), audit_context(actor=SEED, reason="test"):
        admin.user_permissions.add(release)
    with pytest.raises(SeparationOfDutiesError), audit_context(actor=SEED, reason="test"):
        Group.objects.get(name=R.ADMINISTRATOR).permissions.add(release)
    admin = User.objects.get(pk=admin.pk)
    assert not any(R.is_gxp_permission(p) for p in admin.get_all_permissions())


def test_role_changes_are_recorded_with_before_and_after(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="promoted")
    user_set_roles(actor=SEED, user=user, roles=[R.SUPERVISOR], reason="promotion")
    (event,) = events("roles_changed")
    assert event.changes["before"] == [R.OPERATOR]
    assert event.changes["after"] == [R.SUPERVISOR]
    assert event.reason == "promotion"


def test_login_and_logout_are_recorded(make_user: Any) -> None:
    make_user(R.AUDITOR, username="recorded")
    client = Client()
    client.post("/accounts/login/", {"username": "recorded", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert [
        e.changes["event"] for e in AuditEvent.objects.filter(record_pk="recorded").order_by("seq")
    ][-2:] == ["login", "logout"]


def test_idle_session_times_out(make_user: Any, settings: Any) -> None:
    make_user(R.OPERATOR, username="idle")
    client = Client()
    client.post("/accounts/login/", {"username": "idle", "password": PASSWORD})
    assert client.get("/").status_code == 200
    session = client.session
    session["ledgerline_last_seen"] = time.time() - settings.IDLE_TIMEOUT_SECONDS - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302  # the session is gone, not just this request
    assert events("session_timeout")[-1].actor_username == "idle"


def test_idle_timeout_is_configurable(make_user: Any, settings: Any) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 3600
    make_user(R.OPERATOR, username="patient")
    client = Client()
    client.post("/accounts/login/", {"username": "patient", "password": PASSWORD})
    session = client.session
    session["ledgerline_last_seen"] = time.time() - 20 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_administrator_creates_a_user_through_the_ui(make_user: Any) -> None:
    admin = make_user(R.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "ui-made",
            "full_name": "Made In Ui",
            "roles": [R.OPERATOR],
            "reason": "new operator",
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="ui-made")
    assert user.check_password(password)
    assert user.must_change_password
    assert user.role_names == [R.OPERATOR]
    # The one-time password is nowhere in the audit trail.
    assert not AuditEvent.objects.filter(changes__icontains=password).exists()
    response = client.post(
        "/accounts/users/new/",
        {"username": "UI-MADE", "full_name": "Clash", "roles": [R.OPERATOR], "reason": "x"},
    )
    assert "taken" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["system:migration", "System:Scheduler", "system:anything", "anonymous", "ANONYMOUS"]
)
def test_the_system_actors_names_are_reserved(name: str) -> None:
    """The trail names machine work `system:<name>` and requests without a user `anonymous`:
    an account of that name would be mixed with them."""
    with pytest.raises(AccountError, match="reserved"):
        user_create(
            actor=SEED, username=name, full_name="Impostor", roles=[R.OPERATOR], reason="test"
        )
    with pytest.raises(AccountError, match="reserved"):
        service_account_create(actor=SEED, username=name, full_name="Impostor", reason="test")
    assert not User.objects.filter(username__iexact=name).exists()
