"""Account use cases: identity, roles, lockout, passwords and API tokens.

Every function records its Part 11 security event in the same transaction.

Lock order. Two locks meet in authentication: an account's login-throttle row
(`SELECT … FOR UPDATE`, held while its password is checked, so that counting a
failure, setting the lock and letting the right password in are one atomic
step per account), and the audit chain's advisory lock (taken when a
transaction seals its events, held to commit). Everywhere, a transaction that
needs both takes the throttle row first and the chain lock second: a failed
login locks the row, then records its security events; a signing
re-authenticates the signer before it writes anything audited
(`audit.signing.reauthenticate_signer` refuses to run once the chain lock is
held). One order, so two of them can never wait on each other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import roles as R
from accounts.errors import AccountError, AuthenticationRefused, SeparationOfDutiesError
from accounts.models import ApiToken, LoginThrottle, User
from audit.actors import SystemActor
from audit.context import audit_context
from audit.services import record_security_event
from audit.signing import SignatureFailed
from core.deferred import in_caller_transaction, raise_with

TOKEN_PREFIX = "llt"


# --- authentication and lockout ---------------------------------------------------


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
    verdict, recorded = _check_under_lock(user, password, purpose)
    if verdict != "ok":
        _refuse(user, username, purpose, verdict, recorded=recorded)
    return user


def _check_under_lock(user: User, password: str, purpose: str) -> tuple[str, bool]:
    """(verdict, failure already recorded) with the account's throttle row locked."""
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
            if in_caller_transaction():
                return "bad_password", False  # counted after the caller's rollback
            _register_failure_locked(user, throttle, purpose)
            return "bad_password", True
        if throttle.locked_at is not None:
            return "locked", False
        if not user.is_active:
            return "inactive", False
        if throttle.failed_count:
            throttle.failed_count = 0
            throttle.save(update_fields=["failed_count"])
    return "ok", False


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
    user: User | None, username: str, purpose: str, reason: str, *, recorded: bool = False
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
    raise_with(AuthenticationRefused(message, reason=reason), [] if recorded else [record])


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
    _require(actor, "accounts.unlock_accounts")
    _require_reason(reason)
    with audit_context(actor=actor, reason=reason):
        updated = LoginThrottle.objects.filter(user=user, locked_at__isnull=False).update(
            locked_at=None, failed_count=0
        )
        if not updated:
            raise AccountError(f"{user.username} is not locked.")
        record_security_event(
            actor=actor, event="account_unlocked", subject=user.username, reason=reason
        )


# --- users and roles ------------------------------------------------------------------


Actor = User | SystemActor  # who may call an account service


def _require(actor: Actor, perm: str) -> None:
    if not actor.is_active or not actor.has_perm(perm):
        raise AuthenticationRefused("You may not do this.", reason="permission")


def _full_clean(user: User) -> None:
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), fields=exc.message_dict) from exc


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise AccountError("A reason is required.", fields={"reason": "required"})


def one_time_password() -> str:
    """A strong password an administrator hands over once; it must be changed at first login."""
    return secrets.token_urlsafe(15)


def check_role_combination(role_names: set[str]) -> None:
    """Separation of duties: the administrator role stands alone."""
    unknown = role_names - set(R.ALL_ROLES)
    if unknown:
        raise AccountError(f"Unknown role(s): {', '.join(sorted(unknown))}.")
    if R.ADMINISTRATOR in role_names and len(role_names) > 1:
        raise SeparationOfDutiesError(
            "An administrator can hold no GxP role: administration and GxP work "
            "need separate accounts."
        )


def user_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    email: str = "",
    roles: list[str],
    reason: str = "",
) -> tuple[User, str]:
    """Create a person's account with a one-time password; returns (user, password)."""
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        role_set = set(roles)
        if R.INTEGRATION in role_set:
            raise AccountError("Integration accounts are service accounts: create one as such.")
        check_role_combination(role_set)
        password = one_time_password()
        user = User(username=username, full_name=full_name, email=email, must_change_password=True)
        _full_clean(user)
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=role_set))
        record_security_event(
            actor=actor,
            event="user_created",
            subject=user.username,
            details={"roles": sorted(role_set), "full_name": full_name},
            reason=reason,
        )
        return user, password


def service_account_create(
    *, actor: Actor, username: str, full_name: str, reason: str = ""
) -> User:
    """A machine client's account: integration role, token only, cannot sign."""
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        user = User(username=username, full_name=full_name, is_service_account=True)
        _full_clean(user)
        user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name=R.INTEGRATION))
        record_security_event(
            actor=actor,
            event="service_account_created",
            subject=user.username,
            details={"roles": [R.INTEGRATION]},
            reason=reason,
        )
        return user


def user_set_roles(*, actor: Actor, user: User, roles: list[str], reason: str) -> None:
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        _require_reason(reason)
        role_set = set(roles)
        if user.is_service_account and role_set != {R.INTEGRATION}:
            raise AccountError("A service account holds the integration role only.")
        if not user.is_service_account and R.INTEGRATION in role_set:
            raise AccountError("Only service accounts hold the integration role.")
        if actor.pk is not None and user.pk == actor.pk:
            raise SeparationOfDutiesError("Administrators cannot change their own roles.")
        check_role_combination(role_set)
        before = set(user.groups.values_list("name", flat=True))
        user.groups.set(Group.objects.filter(name__in=role_set))
        record_security_event(
            actor=actor,
            event="roles_changed",
            subject=user.username,
            details={"before": sorted(before), "after": sorted(role_set)},
            reason=reason,
        )


def user_deactivate(*, actor: Actor, user: User, reason: str) -> None:
    """Deactivate (never delete): no login, no token, no signing from now on."""
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        _require_reason(reason)
        if user.pk == actor.pk:
            raise AccountError("You cannot deactivate your own account.")
        if not user.is_active:
            raise AccountError(f"{user.username} is already deactivated.")
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        record_security_event(
            actor=actor, event="user_deactivated", subject=user.username, reason=reason
        )


def user_reactivate(*, actor: Actor, user: User, reason: str) -> None:
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        _require_reason(reason)
        if user.is_active:
            raise AccountError(f"{user.username} is already active.")
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        record_security_event(
            actor=actor, event="user_reactivated", subject=user.username, reason=reason
        )


def user_reset_password(*, actor: Actor, user: User, reason: str) -> str:
    """Issue a one-time password the user must change at first login."""
    with audit_context(actor=actor, reason=reason):
        _require(actor, "accounts.manage_users")
        _require_reason(reason)
        if user.is_service_account:
            raise AccountError("Service accounts have no password: issue a token instead.")
        password = one_time_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        record_security_event(
            actor=actor, event="password_reset", subject=user.username, reason=reason
        )
        return password


def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    """The user's own change: validators apply and the new password must differ."""
    with audit_context(actor=user, reason="password changed by its owner"):
        if not user.check_password(old_password):
            raise AccountError(
                "The current password is not correct.", fields={"old_password": "incorrect"}
            )
        if old_password == new_password:
            raise AccountError(
                "Choose a password different from the current one.",
                fields={"new_password": "unchanged"},
            )
        try:
            validate_password(new_password, user)
        except ValidationError as exc:
            raise AccountError(
                " ".join(exc.messages), fields={"new_password": exc.messages}
            ) from exc
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        record_security_event(actor=user, event="password_changed", subject=user.username)


# --- API tokens ---------------------------------------------------------------------


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_issue(
    *,
    actor: Actor,
    user: User,
    name: str,
    ttl: timedelta | None = None,
    reason: str = "",
    rotated_from: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a service account; returns (token, key). The key is shown once."""
    with audit_context(actor=actor, reason=reason):
        return _token_issue(
            actor=actor, user=user, name=name, ttl=ttl, reason=reason, rotated_from=rotated_from
        )


def _token_issue(
    *,
    actor: Actor,
    user: User,
    name: str,
    ttl: timedelta | None,
    reason: str,
    rotated_from: ApiToken | None,
) -> tuple[ApiToken, str]:
    _require(actor, "accounts.manage_tokens")
    if not user.is_service_account:
        raise AccountError("API tokens are issued to service accounts only.")
    if not user.is_active:
        raise AccountError(f"{user.username} is deactivated.")
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(key),
        created_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + (ttl or settings.API_TOKEN_TTL),
        rotated_from=rotated_from,
    )
    record_security_event(
        actor=actor,
        event="token_issued",
        subject=user.username,
        details={"token": token.prefix, "name": name, "expires_at": token.expires_at},
        reason=reason,
    )
    return token, key


def token_revoke(*, actor: Actor, token: ApiToken, reason: str) -> None:
    _require(actor, "accounts.manage_tokens")
    _require_reason(reason)
    with audit_context(actor=actor, reason=reason):
        if token.revoked_at is not None:
            raise AccountError("This token is already revoked.")
        token.revoked_at = timezone.now()
        token.revoked_by = actor if isinstance(actor, User) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        record_security_event(
            actor=actor,
            event="token_revoked",
            subject=token.user.username,
            details={"token": token.prefix, "name": token.name},
            reason=reason,
        )


def token_rotate(*, actor: Actor, token: ApiToken, reason: str) -> tuple[ApiToken, str]:
    """Replace a token by a new one with the same name; the old one is revoked at once."""
    with audit_context(actor=actor, reason=reason):
        new_token, key = token_issue(
            actor=actor, user=token.user, name=token.name, reason=reason, rotated_from=token
        )
        token_revoke(actor=actor, token=token, reason=f"rotated: {reason}")
    return new_token, key


def token_authenticate(key: str) -> ApiToken | None:
    """The live token for a key, or None (unknown, revoked, expired, account deactivated)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(key), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(seconds=60):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
