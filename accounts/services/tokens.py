"""API tokens: issued (shown once), stored as a digest, revoked, rotated, authenticated."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.errors import AccountError
from accounts.models import ApiToken, User
from accounts.services.checks import Actor, require, require_reason
from audit.context import audit_context
from audit.services import record_security_event

TOKEN_PREFIX = "llt"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_issue(
    *,
    actor: Actor,
    user: User,
    name: str,
    reason: str,
    ttl: timedelta | None = None,
    rotated_from: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a service account; returns (token, key). The key is shown once. A
    reason is required (Annex 11 §12: access changes are recorded with why)."""
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
    require(actor, "accounts.manage_tokens")
    require_reason(reason)
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
    require(actor, "accounts.manage_tokens")
    require_reason(reason)
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
