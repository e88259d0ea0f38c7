from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from core.navigation import NavItem

AUTH_PERMISSIONS_UID = "django.contrib.auth.management.create_permissions"


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (
        NavItem("Users", "accounts:user_list", "users", "accounts.manage_users", "admin", 10),
        NavItem(
            "Service accounts",
            "accounts:service_account_list",
            "key",
            "accounts.manage_tokens",
            "admin",
            20,
        ),
    )

    def ready(self) -> None:
        from django.contrib.auth.management import create_permissions
        from django.contrib.contenttypes.management import create_contenttypes

        from accounts import signals  # noqa: F401

        # Content types and permissions decide who may do what: they are audited row by
        # row, so Django's own post_migrate writers run inside an audit context.
        post_migrate.disconnect(create_contenttypes)
        post_migrate.disconnect(dispatch_uid=AUTH_PERMISSIONS_UID)
        post_migrate.connect(_audited(create_contenttypes, "content types"), weak=False)
        post_migrate.connect(
            _audited(create_permissions, "permissions"),
            dispatch_uid=AUTH_PERMISSIONS_UID,
            weak=False,
        )
        post_migrate.connect(_sync_roles, sender=self)


def _audited(handler: Callable[..., Any], what: str) -> Callable[..., None]:
    def run(**kwargs: Any) -> None:
        from audit.context import audit_context

        label = kwargs["app_config"].label
        with audit_context(actor="system:migration", reason=f"post_migrate: {what} of {label}"):
            handler(**kwargs)

    return run


def _sync_roles(**kwargs: Any) -> None:
    from accounts.rolesync import sync_roles

    sync_roles(using=kwargs.get("using", "default"))
