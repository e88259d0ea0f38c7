"""Account changes need a reason; role combinations that break separation of duties are
refused; the login page counts the attempts left accurately and tells no name apart; unknown
addresses get the app's own page in every configuration."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles as R
from accounts.errors import AccountError, SeparationOfDutiesError
from accounts.models import User
from accounts.services import service_account_create, token_issue, user_create, user_set_roles
from audit.context import audit_context
from tests.conftest import PASSWORD, SEED

pytestmark = pytest.mark.django_db


def test_creating_accounts_and_tokens_needs_a_reason() -> None:
    with pytest.raises(AccountError, match="reason"):
        user_create(
            actor=SEED, username="nor", full_name="No Reason", roles=[R.OPERATOR], reason=" "
        )
    with pytest.raises(AccountError, match="reason"):
        service_account_create(actor=SEED, username="mes", full_name="MES", reason="")
    account = service_account_create(actor=SEED, username="mes", full_name="MES", reason="MES link")
    with pytest.raises(AccountError, match="reason"):
        token_issue(actor=SEED, user=account, name="t", reason="")
    assert not User.objects.filter(username="nor").exists()
    assert not account.api_tokens.exists()


def test_the_new_user_form_asks_for_the_reason(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.ADMINISTRATOR))
    response = client.post(
        "/accounts/users/new/",
        {"username": "olga", "full_name": "Olga Operator", "roles": [R.OPERATOR], "reason": ""},
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not User.objects.filter(username="olga").exists()


@pytest.mark.parametrize(
    "roles",
    [
        (R.OPERATOR, R.QA_REVIEWER),
        (R.SUPERVISOR, R.QA_REVIEWER),
        (R.PROCESS_ENGINEER, R.QA_REVIEWER),
        (R.QA_REVIEWER, R.AUDITOR),
        (R.OPERATOR, R.AUDITOR),
    ],
)
def test_roles_that_break_separation_of_duties_are_refused(roles: tuple[str, str]) -> None:
    with pytest.raises(SeparationOfDutiesError, match="cannot be held by one account"):
        user_create(actor=SEED, username="two", full_name="Two Hats", roles=list(roles), reason="x")
    assert not User.objects.filter(username="two").exists()


def test_conflicting_roles_are_refused_however_they_are_given(make_user: Any) -> None:
    operator = make_user(R.OPERATOR, username="op")
    with pytest.raises(SeparationOfDutiesError):
        user_set_roles(actor=SEED, user=operator, roles=[R.OPERATOR, R.QA_REVIEWER], reason="x")
    with pytest.raises(SeparationOfDutiesError), audit_context(actor=SEED, reason="bypass"):
        operator.groups.add(Group.objects.get(name=R.QA_REVIEWER))
    assert operator.role_names == [R.OPERATOR] or set(operator.role_names) == {R.OPERATOR}
    # Operator and supervisor may be one person: signing one's own step twice is refused at
    # signature time instead (a verifier differs from the performer).
    both, _ = user_create(
        actor=SEED,
        username="opsup",
        full_name="Op Sup",
        roles=[R.OPERATOR, R.SUPERVISOR],
        reason="small shift",
    )
    assert set(both.role_names) == {R.OPERATOR, R.SUPERVISOR}


def _refusal(client: Client, username: str) -> str:
    response = client.post("/accounts/login/", {"username": username, "password": "wrong!"})
    assert response.status_code == 200
    text = response.content.decode()
    return text[text.index("The username or password") :].split("<")[0].strip()


def test_the_login_page_counts_the_attempts_left_the_same_for_every_name(
    make_user: Any, settings: Any
) -> None:
    settings.LOCKOUT_THRESHOLD = 4
    make_user(R.OPERATOR, username="victim")
    expected = [
        "The username or password is not correct. After 4 wrong passwords in a row the "
        "account is locked.",
        "The username or password is not correct. 2 attempts remain before the account is locked.",
        "The username or password is not correct. 1 attempt remains before the account is locked.",
        "The username or password is not correct. The account is now locked: ask an "
        "administrator to unlock it.",
    ]
    for name in ("victim", "nobody-by-this-name"):
        client = Client()
        assert [_refusal(client, name) for _ in range(4)] == expected, name
    locked = Client().post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert "locked after repeated failed attempts" in locked.content.decode()


def test_the_count_is_the_accounts_own_when_it_failed_elsewhere(
    make_user: Any, settings: Any
) -> None:
    settings.LOCKOUT_THRESHOLD = 4
    make_user(R.OPERATOR, username="victim")
    _refusal(Client(), "victim")
    _refusal(Client(), "victim")
    assert "1 attempt remains" in _refusal(Client(), "victim")


def test_unknown_addresses_get_the_apps_own_page_even_in_debug(
    make_user: Any, settings: Any
) -> None:
    settings.DEBUG = True
    client = Client()
    client.force_login(make_user(R.QA_REVIEWER))
    for path in ("/ebr/", "/no/such/page/"):
        response = client.get(path)
        text = response.content.decode()
        assert response.status_code == 404
        assert "There is nothing at this address" in text
        assert "URLconf" not in text
        assert "config.urls" not in text
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"
    anonymous = Client().get("/ebr/")
    assert anonymous.status_code in (302, 404)
    assert "URLconf" not in anonymous.content.decode()
