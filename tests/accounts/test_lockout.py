"""Lockout after 5 consecutive failed logins, per username, lifted only by a recorded unlock."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import roles as R
from accounts.errors import AccountError, AuthenticationRefused
from accounts.services import is_locked, user_unlock
from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def security_events(event: str, subject: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="security", changes__event=event, record_pk=subject
        ).order_by("seq")
    )


def test_five_failures_lock_that_username_only(make_user: Any) -> None:
    victim = make_user(R.OPERATOR, username="victim")
    bystander = make_user(R.OPERATOR, username="bystander")
    client = Client()
    for attempt in range(5):
        response = login(client, "victim", "wrong password here", ip=f"10.0.0.{attempt}")
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session
    assert is_locked(victim)
    assert len(security_events("login_failed", "victim")) == 5
    assert len(security_events("account_locked", "victim")) == 1

    # The right password no longer opens the account, from any address.
    response = login(Client(), "victim", PASSWORD, ip="192.0.2.77")
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in Client().session
    # Another username from the same address is not affected.
    other = Client()
    response = login(other, "bystander", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(bystander.pk)


def test_failures_are_counted_per_username_not_per_case(make_user: Any) -> None:
    make_user(R.OPERATOR, username="casey")
    for name in ["casey", "CASEY", "Casey", "cAsEy", "casey"]:
        login(Client(), name, "not the password!!")
    response = login(Client(), "casey", PASSWORD)
    assert response.status_code == 200
    assert "locked" in response.content.decode()


def test_four_failures_then_success_resets_the_count(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="resets")
    for _ in range(4):
        login(Client(), "resets", "wrong wrong wrong")
    assert login(Client(), "resets", PASSWORD).status_code == 302
    for _ in range(4):
        login(Client(), "resets", "wrong wrong wrong")
    assert not is_locked(user)


def test_unlock_is_an_administrators_recorded_act(make_user: Any) -> None:
    user = make_user(R.OPERATOR, username="locked-out")
    admin = make_user(R.ADMINISTRATOR, username="the-admin")
    supervisor = make_user(R.SUPERVISOR)
    for _ in range(5):
        login(Client(), "locked-out", "wrong wrong wrong")
    assert is_locked(user)

    with pytest.raises(AuthenticationRefused):
        user_unlock(actor=supervisor, user=user, reason="trying")
    with pytest.raises(AccountError):
        user_unlock(actor=admin, user=user, reason="  ")
    assert is_locked(user)

    admin_client = Client()
    admin_client.force_login(admin)
    response = admin_client.get("/")
    assert "locked-out" in response.content.decode()  # shown to administrators
    response = admin_client.post(
        "/accounts/users/locked-out/unlock/", {"reason": "identity confirmed by phone"}
    )
    assert response.status_code == 302
    assert not is_locked(user)
    (event,) = security_events("account_unlocked", "locked-out")
    assert event.actor_username == "the-admin"
    assert event.reason == "identity confirmed by phone"
    assert login(Client(), "locked-out", PASSWORD).status_code == 302


def test_unknown_username_is_recorded_without_revealing_anything(db: None) -> None:
    response = login(Client(), "nobody-here", "whatever password")
    assert "not correct" in response.content.decode()
    (event,) = security_events("login_failed", "nobody-here")
    assert event.changes["why"] == "unknown_user"


def test_every_refusal_costs_one_password_check_and_says_the_same(
    make_user: Any, make_service_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing or message tells that a username exists or is a service account: an
    unknown name, a service account, a wrong password and a deactivated account each cost
    exactly one password verification and get the same answer."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    make_user(R.OPERATOR, username="known")
    retired = make_user(R.OPERATOR, username="retired")
    from accounts.services import user_deactivate
    from audit.actors import SystemActor

    user_deactivate(actor=SystemActor("system:test"), user=retired, reason="left the company")
    make_service_account("svc-enum")
    calls: list[str] = []
    original = Argon2PasswordHasher.verify

    def counting(self: Any, password: str, encoded: str) -> bool:
        calls.append(password)
        return bool(original(self, password, encoded))

    monkeypatch.setattr(Argon2PasswordHasher, "verify", counting)
    pages = {}
    for username in ("nobody-here", "svc-enum", "known", "retired"):
        calls.clear()
        response = login(Client(), username, "a wrong password")
        assert calls == ["a wrong password"], username
        pages[username] = response.content.decode()
    for page in pages.values():
        assert "The username or password is not correct." in page
        assert "After 5 wrong passwords in a row the account is locked." in page
        assert "locked" not in page.split("After 5 wrong")[0]
        assert "deactivated" not in page
        assert "service account" not in page.lower()
    # Only the right password learns that the account is deactivated.
    assert "deactivated" in login(Client(), "retired", PASSWORD).content.decode()


def test_background_requests_do_not_keep_an_idle_session_alive(
    make_user: Any, settings: Any
) -> None:
    """A page polling the API by itself must not hold the session open for ever: only
    requests a person caused (page loads, API calls marked by the page) count as activity."""
    from accounts.middleware import LAST_SEEN

    settings.IDLE_TIMEOUT_SECONDS = 600
    user = make_user(R.AUDITOR, username="watcher")
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200  # a page: activity
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - 400
    session.save()
    before = client.session[LAST_SEEN]
    for _ in range(3):  # the verification page's polls
        client.get("/api/v1/audit/verify/", HTTP_ACCEPT="application/json")
    assert client.session[LAST_SEEN] == before
    client.get("/api/v1/audit/verify/", HTTP_X_LEDGERLINE_ACTIVITY="1")  # after a click
    assert client.session[LAST_SEEN] > before
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - 601
    session.save()
    response = client.get("/api/v1/audit/verify/")  # a poll after the idle time: signed out
    assert response.status_code in {401, 403}
    assert "_auth_user_id" not in client.session
    assert security_events("session_timeout", "watcher")


def test_a_persons_click_keeps_the_session_and_its_end_keeps_the_address(
    make_user: Any, settings: Any
) -> None:
    """The page tells the server of a click that sends nothing itself (session/alive); once
    the session has ended, signing in again returns to the very address, query included."""
    from accounts.middleware import LAST_SEEN

    settings.IDLE_TIMEOUT_SECONDS = 600
    client = Client()
    client.force_login(make_user(R.AUDITOR, username="clicker"))
    client.get("/")
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - 500
    session.save()
    before = client.session[LAST_SEEN]
    assert client.get("/accounts/session/alive/").status_code == 204
    assert client.session[LAST_SEEN] > before + 400
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - 601
    session.save()
    response = client.get("/audit/?action=update&user=clicker")
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/login/?next=%2Faudit%2F%3Faction%3Dupdate%26user%3Dclicker"
    )
    assert Client().get("/accounts/session/alive/").status_code == 401
