from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.models import ApiToken, LoginThrottle, User


def user_list(*, service_accounts: bool = False) -> QuerySet[User]:
    locked = LoginThrottle.objects.filter(user=OuterRef("pk"), locked_at__isnull=False)
    return (
        User.objects.filter(is_service_account=service_accounts)
        .annotate(is_locked=Exists(locked))
        .prefetch_related("groups", Prefetch("api_tokens", queryset=ApiToken.objects.all()))
        .order_by("username")
    )


def locked_users() -> QuerySet[User]:
    return User.objects.filter(login_throttle__locked_at__isnull=False).select_related(
        "login_throttle"
    )
