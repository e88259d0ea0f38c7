"""What every account service checks first: the actor's permission, a reason, a valid record."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.errors import AccountError, AuthenticationRefused
from accounts.models import User
from audit.actors import SystemActor

Actor = User | SystemActor  # who may call an account service


def require(actor: Actor, perm: str) -> None:
    if not actor.is_active or not actor.has_perm(perm):
        raise AuthenticationRefused("You may not do this.", reason="permission")


def full_clean(user: User) -> None:
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), fields=exc.message_dict) from exc


def require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise AccountError("A reason is required.", fields={"reason": "required"})
