"""The demo's accounts: one person per role and the service accounts the demo data uses.

Idempotent: what exists is left alone. Passwords of newly created people are returned once,
for the seed command to print, and stored nowhere readable; they need no change at first
sign-in so the demo can start at once.
"""

from __future__ import annotations

from django.core.management.base import OutputWrapper
from django.db import transaction

from accounts import roles as R
from accounts.models import User
from accounts.services import service_account_create, user_create
from audit.actors import SystemActor
from audit.context import audit_context

DEMO_USERS = [
    ("operator", "Olivia Operator", R.OPERATOR),
    ("supervisor", "Sam Supervisor", R.SUPERVISOR),
    ("qa", "Quinn Reviewer", R.QA_REVIEWER),
    ("auditor", "Avery Auditor", R.AUDITOR),
    ("engineer", "Eli Engineer", R.PROCESS_ENGINEER),
    ("admin", "Ada Administrator", R.ADMINISTRATOR),
]
DEMO_SERVICE_ACCOUNTS = [
    ("line-simulator", "Line simulator (digital twin)"),
    ("demo-seed", "Demo data seeding"),
    ("lims-sync", "The laboratory's LIMS (demo results)"),
]


# The passwords of the people this run created, for the seeds of later apps in the same run
# that must sign as them (a QA reviewer approving the demo's master record); kept in memory
# only, for the run.
PASSWORDS: dict[str, str] = {}


def seed(out: OutputWrapper) -> list[str]:
    """Create the demo accounts that are missing; returns the lines that show new passwords."""
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
            PASSWORDS[username] = password
        for username, full_name in DEMO_SERVICE_ACCOUNTS:
            if not User.objects.filter(username__iexact=username).exists():
                service_account_create(
                    actor=actor, username=username, full_name=full_name, reason="demo seed"
                )
    if not created:
        return ["demo users exist already: no user changed"]
    return ["demo users (passwords shown once, keep them):"] + [
        f"  {username:<12} {role:<18} {password}" for username, role, password in created
    ]
