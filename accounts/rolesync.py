"""Make the role groups hold exactly the permissions of accounts.roles (idempotent)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts.roles import role_permissions
from audit.context import audit_context


def sync_roles(using: str = "default") -> None:
    with audit_context(actor="system:migration", reason="post_migrate: role definitions"):
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0, using=using)
        _sync(using)


def _sync(using: str) -> None:
    for role, perms in role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = set()
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.add(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        current = set(group.permissions.all())
        if current - wanted:
            group.permissions.remove(*(current - wanted))
        if wanted - current:
            group.permissions.add(*(wanted - current))
