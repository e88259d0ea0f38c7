"""Login and logout are security events; role assignments keep separation of duties."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import roles as R
from accounts.errors import SeparationOfDutiesError
from accounts.forms import TRIED_KEY
from accounts.models import User
from audit.services import record_security_event


@receiver(user_logged_in)
def _record_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record_security_event(actor=user, event="login", subject=user.username)
    request.session.pop(TRIED_KEY, None)  # the login page's count of attempts starts again


@receiver(user_logged_out)
def _record_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record_security_event(actor=user, event="logout", subject=user.username)


def _perm_names(perms: Any) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def assert_separation(user: User) -> None:
    """Refuse any state in which an administrator holds a GxP permission, or an account holds
    two roles that separation of duties keeps apart (roles.ROLE_CONFLICTS)."""
    groups = set(user.groups.values_list("name", flat=True))
    conflict = R.role_conflict(groups)
    if conflict:
        raise SeparationOfDutiesError(conflict)
    if R.ADMINISTRATOR not in groups:
        return
    perms = _perm_names(
        Permission.objects.filter(group__user=user).select_related("content_type")
    ) | _perm_names(user.user_permissions.select_related("content_type"))
    gxp = sorted(p for p in perms if R.is_gxp_permission(p))
    if gxp or len(groups) > 1:
        raise SeparationOfDutiesError(
            "An administrator cannot hold GxP permissions "
            f"({', '.join(gxp or sorted(groups - {R.ADMINISTRATOR}))})."
        )


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def _guard_user_assignments(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action not in {"post_add", "post_set"}:
        return
    if isinstance(instance, User):
        assert_separation(instance)
    else:  # reverse side: a group or permission given to users
        for user in User.objects.filter(pk__in=kwargs.get("pk_set") or ()):
            assert_separation(user)


@receiver(m2m_changed, sender=Group.permissions.through)
def _guard_group_permissions(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action != "post_add" or not isinstance(instance, Group):
        return
    if instance.name == R.ADMINISTRATOR:
        gxp = sorted(p for p in _perm_names(instance.permissions.all()) if R.is_gxp_permission(p))
        if gxp:
            raise SeparationOfDutiesError(
                f"The administrator role cannot hold GxP permissions ({', '.join(gxp)})."
            )
    for user in User.objects.filter(groups=instance):
        assert_separation(user)
