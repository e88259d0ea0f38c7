"""People and service accounts: creation, roles (separation of duties), deactivation and
passwords."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import roles as R
from accounts.errors import AccountError, SeparationOfDutiesError
from accounts.models import User
from accounts.services.checks import Actor, full_clean, require, require_reason
from audit.context import audit_context
from audit.services import record_security_event


def one_time_password() -> str:
    """A strong password an administrator hands over once; it must be changed at first login."""
    return secrets.token_urlsafe(15)


def check_role_combination(role_names: set[str]) -> None:
    """Separation of duties: the administrator role stands alone, and no account holds two
    roles of R.ROLE_CONFLICTS (the message names the rule and what to do)."""
    unknown = role_names - set(R.ALL_ROLES)
    if unknown:
        raise AccountError(f"Unknown role(s): {', '.join(sorted(unknown))}.")
    if R.ADMINISTRATOR in role_names and len(role_names) > 1:
        raise SeparationOfDutiesError(
            "An administrator can hold no GxP role: administration and GxP work "
            "need separate accounts."
        )
    conflict = R.role_conflict(role_names)
    if conflict:
        raise SeparationOfDutiesError(conflict)


def user_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    email: str = "",
    roles: list[str],
    reason: str,
) -> tuple[User, str]:
    """Create a person's account with a one-time password; returns (user, password). Account
    changes are GxP changes (Annex 11 §12): the reason is required."""
    with audit_context(actor=actor, reason=reason):
        require(actor, "accounts.manage_users")
        require_reason(reason)
        role_set = set(roles)
        if R.INTEGRATION in role_set:
            raise AccountError("Integration accounts are service accounts: create one as such.")
        check_role_combination(role_set)
        password = one_time_password()
        user = User(username=username, full_name=full_name, email=email, must_change_password=True)
        full_clean(user)
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


def service_account_create(*, actor: Actor, username: str, full_name: str, reason: str) -> User:
    """A machine client's account: integration role, token only, cannot sign."""
    with audit_context(actor=actor, reason=reason):
        require(actor, "accounts.manage_users")
        require_reason(reason)
        user = User(username=username, full_name=full_name, is_service_account=True)
        full_clean(user)
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
        require(actor, "accounts.manage_users")
        require_reason(reason)
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
        require(actor, "accounts.manage_users")
        require_reason(reason)
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
        require(actor, "accounts.manage_users")
        require_reason(reason)
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
        require(actor, "accounts.manage_users")
        require_reason(reason)
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
