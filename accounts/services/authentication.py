"""Authentication and lockout: passwords checked under the login-throttle row lock (see the
lock order in the package docstring), refusals that say the same thing for every cause."""

from __future__ import annotations

import secrets
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from accounts.errors import AccountError, AuthenticationRefused
from accounts.models import LoginThrottle, User
from accounts.services.checks import Actor, require, require_reason
from audit.context import audit_context
from audit.services import record_security_event
from audit.signing import SignatureFailed
from core.deferred import in_caller_transaction, raise_with


@cache
def _decoy_hash() -> str:
    """A hash of a random password, checked for unknown users and service accounts so that
    every refusal costs one password verification (no timing tells a username exists)."""
    return make_password(secrets.token_urlsafe(24))


def authenticate_credentials(*, username: str, password: str, purpose: str = "login") -> User:
    """Check a username and password; count failures towards the lockout.

    Raises AuthenticationRefused (with a reason). Every refusal costs the same
    work (one password verification) and, unless the password was right, says
    the same thing. The account's throttle row is locked while its password is
    checked, so a failure counted, a lock set and a right password let in are
    atomic per account. Every refusal is a security event, and a wrong
    password counts towards the lockout whether it was a login or a signing
    (11.300(d)). Inside a caller's transaction that work is attached to the
    exception and runs after the rollback (core.deferred).
    """
    user = User.objects.filter(username__iexact=username).first()
    if user is None or user.is_service_account:
        check_password(password, _decoy_hash())
        _refuse(user, username, purpose, "unknown_user" if user is None else "service_account")
    assert user is not None
    verdict, recorded, failures = _check_under_lock(user, password, purpose)
    if verdict != "ok":
        _refuse(user, username, purpose, verdict, recorded=recorded, failures=failures)
    return user


def _check_under_lock(user: User, password: str, purpose: str) -> tuple[str, bool, int | None]:
    """(verdict, failure already recorded, consecutive failures now counted) with the
    account's throttle row locked."""
    with transaction.atomic():
        LoginThrottle.objects.bulk_create([LoginThrottle(user=user)], ignore_conflicts=True)
        throttle = LoginThrottle.objects.select_for_update().get(user=user)
        if user.has_usable_password():
            # A hash with outdated parameters is re-hashed on success: an audited write,
            # after the throttle row (the lock order above).
            with audit_context(actor=user, reason="password hash parameters upgraded at sign-in"):
                correct = user.check_password(password)
        else:
            correct = check_password(password, _decoy_hash()) and False
        if not correct:
            if in_caller_transaction():  # counted after the caller's rollback
                return "bad_password", False, throttle.failed_count + 1
            _register_failure_locked(user, throttle, purpose)
            return "bad_password", True, throttle.failed_count
        if throttle.locked_at is not None:
            return "locked", False, None
        if not user.is_active:
            return "inactive", False, None
        if throttle.failed_count:
            throttle.failed_count = 0
            throttle.save(update_fields=["failed_count"])
    return "ok", False, None


def authenticate_signer(*, username: str, password: str) -> User:
    """Re-authentication for an electronic signature (audit.signing, 11.200(a)): a wrong
    password counts towards the lockout like a failed login."""
    try:
        return authenticate_credentials(username=username, password=password, purpose="signing")
    except AuthenticationRefused as refused:
        raise SignatureFailed(str(refused), after_rollback=refused.after_rollback) from None


REFUSAL_MESSAGES = {
    "locked": "This account is locked after repeated failed attempts. "
    "Ask an administrator to unlock it.",
    "inactive": "This account is deactivated.",
}
GENERIC_REFUSAL = "The username or password is not correct."


def _refuse(
    user: User | None,
    username: str,
    purpose: str,
    reason: str,
    *,
    recorded: bool = False,
    failures: int | None = None,
) -> None:
    def record() -> None:
        if reason == "bad_password" and user is not None:
            _register_failure(user, purpose)
        else:
            record_security_event(
                actor=user,
                event=f"{purpose}_failed",
                subject=username[:150],
                details={"why": reason, "username": username[:150]},
            )

    # Only someone who knew the password learns that the account is locked or deactivated.
    message = REFUSAL_MESSAGES.get(reason, GENERIC_REFUSAL)
    refused = AuthenticationRefused(message, reason=reason)
    refused.failures = failures  # consecutive wrong passwords, for the login page's count
    raise_with(refused, [] if recorded else [record])


@transaction.atomic
def _register_failure(user: User, purpose: str) -> None:
    LoginThrottle.objects.bulk_create([LoginThrottle(user=user)], ignore_conflicts=True)
    throttle = LoginThrottle.objects.select_for_update().get(user=user)
    _register_failure_locked(user, throttle, purpose)


def _register_failure_locked(user: User, throttle: LoginThrottle, purpose: str) -> None:
    """Count a wrong password on the locked throttle row, lock at the threshold, and record
    both in the chain (after the row: the lock order above)."""
    now = timezone.now()
    throttle.failed_count += 1
    throttle.last_failed_at = now
    locked_now = throttle.failed_count >= settings.LOCKOUT_THRESHOLD and throttle.locked_at is None
    if locked_now:
        throttle.locked_at = now
    throttle.save()
    record_security_event(
        actor=user,
        event=f"{purpose}_failed",
        subject=user.username,
        details={"why": "bad_password", "consecutive_failures": throttle.failed_count},
    )
    if locked_now:
        record_security_event(
            actor=user,
            event="account_locked",
            subject=user.username,
            details={"consecutive_failures": throttle.failed_count},
        )


def is_locked(user: User) -> bool:
    return LoginThrottle.objects.filter(user=user, locked_at__isnull=False).exists()


def user_unlock(*, actor: Actor, user: User, reason: str) -> None:
    """Lift a lockout: only an administrator, with a reason, recorded."""
    require(actor, "accounts.unlock_accounts")
    require_reason(reason)
    with audit_context(actor=actor, reason=reason):
        updated = LoginThrottle.objects.filter(user=user, locked_at__isnull=False).update(
            locked_at=None, failed_count=0
        )
        if not updated:
            raise AccountError(f"{user.username} is not locked.")
        record_security_event(
            actor=actor, event="account_unlocked", subject=user.username, reason=reason
        )
