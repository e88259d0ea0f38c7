from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(**kwargs: Any) -> None:
    from accounts.rolesync import sync_roles

    sync_roles(using=kwargs.get("using", "default"))
