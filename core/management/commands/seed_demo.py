"""`manage.py seed_demo`: the demo's users (one per role) and service account.

Idempotent: what exists is left alone. Passwords of newly created users are
printed once, here, and stored nowhere readable; they need no change at first
sign-in so the demo can start at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import roles as R
from accounts.models import User
from accounts.services import SystemActor, service_account_create, user_create
from audit.context import audit_context
from audit.models import Checkpoint
from audit.services import create_checkpoint

DEMO_USERS = [
    ("operator", "Olivia Operator", R.OPERATOR),
    ("supervisor", "Sam Supervisor", R.SUPERVISOR),
    ("qa", "Quinn Reviewer", R.QA_REVIEWER),
    ("auditor", "Avery Auditor", R.AUDITOR),
    ("engineer", "Eli Engineer", R.PROCESS_ENGINEER),
    ("admin", "Ada Administrator", R.ADMINISTRATOR),
]
DEMO_SERVICE_ACCOUNTS = [("system:simulator", "Line simulator (digital twin)")]


class Command(BaseCommand):
    help = "Seed the demo: users (one per role) and service accounts. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = SystemActor("system:seed")
        created: list[tuple[str, str, str]] = []
        with transaction.atomic(), audit_context(actor=actor, reason="demo seed"):
            for username, full_name, role in DEMO_USERS:
                if User.objects.filter(username__iexact=username).exists():
                    continue
                user, password = user_create(
                    actor=actor,
                    username=username,
                    full_name=full_name,
                    roles=[role],
                    reason="demo seed",
                )
                user.must_change_password = False
                user.save(update_fields=["must_change_password"])
                created.append((username, role, password))
            for username, full_name in DEMO_SERVICE_ACCOUNTS:
                if not User.objects.filter(username__iexact=username).exists():
                    service_account_create(
                        actor=actor, username=username, full_name=full_name, reason="demo seed"
                    )
        if not Checkpoint.objects.exists():
            create_checkpoint(actor="system:seed")
        if not created:
            self.stdout.write("demo users exist already: nothing changed")
            return
        self.stdout.write(self.style.SUCCESS("demo users (passwords shown once, keep them):"))
        for username, role, password in created:
            self.stdout.write(f"  {username:<12} {role:<18} {password}")
