"""Lockout under parallel requests: failures are counted and the lock checked atomically per
account, and failed logins and signings take their locks in one order (throttle row, then the
chain lock), so they never deadlock and no failure goes unrecorded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client

from accounts import roles as R
from accounts.errors import AuthenticationRefused
from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_review_record
from audit.signing import SignatureFailed, SignatureRequest
from historian.services import tag_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def login(username: str, password: str) -> bool:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def in_thread(target: Callable[[], Any], name: str = "") -> tuple[threading.Thread, list[Any]]:
    """Run `target` in a thread with its own database connection; its result or error lands
    in the returned list."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(target())
        except BaseException as exc:
            box.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, box


def security_seqs(event: str, subject: str) -> list[int]:
    return sorted(
        AuditEvent.objects.filter(
            action="security", changes__event=event, record_pk=subject
        ).values_list("seq", flat=True)
    )


def test_the_right_password_cannot_slip_in_after_the_lock(
    make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The right password is checked while five wrong ones lock the account: it may only get
    in if it was let in before the lock, never after it."""
    make_user(R.OPERATOR, username="racer")
    inside, release = threading.Event(), threading.Event()
    original = User.check_password

    def slow_right_password(self: User, raw: str) -> bool:
        result = original(self, raw)
        if threading.current_thread().name == "right":
            inside.set()
            release.wait(30)
        return result

    monkeypatch.setattr(User, "check_password", slow_right_password)
    right, right_result = in_thread(lambda: login("racer", PASSWORD), name="right")
    assert inside.wait(30)
    wrong, _ = in_thread(lambda: [login("racer", "wrong password!") for _ in range(5)])
    wrong.join(timeout=5)  # finishes at once where the lock is checked before the password
    release.set()
    right.join(30)
    wrong.join(30)
    locked = security_seqs("account_locked", "racer")
    assert len(locked) == 1
    logins = security_seqs("login", "racer")
    assert all(seq < locked[0] for seq in logins), (logins, locked)
    assert right_result == [bool(logins)]
    assert login("racer", PASSWORD) is False  # and from now on it stays shut


def test_twenty_wrong_and_one_right_password_in_parallel(make_user: Any) -> None:
    make_user(R.OPERATOR, username="crowd")
    barrier = threading.Barrier(21)

    def attempt(password: str) -> bool:
        barrier.wait(30)
        return login("crowd", password)

    threads = [in_thread(lambda: attempt("not the password")) for _ in range(20)]
    threads.append(in_thread(lambda: attempt(PASSWORD)))
    for thread, _ in threads:
        thread.join(60)
    results = [box[0] for _, box in threads]
    assert not any(isinstance(r, BaseException) for r in results), results
    assert results[:20] == [False] * 20
    locked = security_seqs("account_locked", "crowd")
    assert len(locked) == 1
    assert all(seq < locked[0] for seq in security_seqs("login", "crowd"))
    # Every failure recorded: the twenty wrong passwords, and the right one too when it came
    # after the lockout (refused then, as it must be) — which of the two depends on the race.
    right_refused = results[20] is False
    assert len(security_seqs("login_failed", "crowd")) == 20 + right_refused
    assert len(security_seqs("login", "crowd")) == (0 if right_refused else 1)


def test_failed_logins_and_signings_in_parallel_never_deadlock(
    make_user: Any, settings: Any
) -> None:
    """Signing locks the signer's throttle row and then the chain; a failed login does the
    same, in the same order. Unrelated audited writers run beside them."""
    settings.LOCKOUT_THRESHOLD = 10_000  # keep the account open: this is about the locks
    qa = make_user(R.QA_REVIEWER, username="busy-qa")
    engineer = make_user(R.PROCESS_ENGINEER, username="busy-eng")
    rounds = 6

    def fail_logins() -> int:
        return sum(not login("busy-qa", "wrong password!") for _ in range(rounds))

    def sign_reviews() -> int:
        signed = 0
        for _ in range(rounds):
            try:
                audit_review_record(
                    actor=User.objects.get(pk=qa.pk),
                    from_seq=1,
                    to_seq=2,
                    filters={},
                    note="checked",
                    signature=SignatureRequest(
                        username="busy-qa", password=PASSWORD, meaning="reviewed", reason="ok"
                    ),
                )
                signed += 1
            except (SignatureFailed, AuthenticationRefused):
                pass
        return signed

    def write_tags(prefix: str) -> int:
        for i in range(rounds):
            tag_create(actor=engineer, name=f"{prefix}.{i}", equipment=f"L7/{prefix}")
        return rounds

    jobs = [in_thread(fail_logins) for _ in range(3)]
    jobs += [in_thread(sign_reviews) for _ in range(3)]
    jobs += [in_thread(lambda p=p: write_tags(p)) for p in ("A", "B")]  # type: ignore[misc]
    for thread, _ in jobs:
        thread.join(120)
    results = [box[0] for _, box in jobs]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert not any(isinstance(r, OperationalError) for r in results)
    failures = sum(results[:3])
    assert failures == 3 * rounds
    assert len(security_seqs("login_failed", "busy-qa")) == failures
    assert sum(results[3:6]) == 3 * rounds  # the right password signs every time
    assert AuditEvent.objects.filter(action="signature").count() == 3 * rounds
