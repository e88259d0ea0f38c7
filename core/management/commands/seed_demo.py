"""`manage.py seed_demo`: the demo's users (one per role) and service account.

Idempotent: what exists is left alone. Passwords of newly created users are
printed once, here, and stored nowhere readable; they need no change at first
sign-in so the demo can start at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import roles as R
from accounts.models import User
from accounts.services import service_account_create, user_create
from audit.actors import SystemActor
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
DEMO_SERVICE_ACCOUNTS = [
    ("line-simulator", "Line simulator (digital twin)"),
    ("demo-seed", "Demo data seeding"),
]
DEMO_LINE = "L1"
DEMO_FAULTS = [
    "feeder_drop@6h+6m:feeder=FEEDER1,factor=0.55",
    "nir_drift@14h+40m:rate=1.5",
    "force_spike@20h+2m:kN=7",
]


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
        self._line_data()
        if not Checkpoint.objects.exists():
            create_checkpoint(actor="system:seed")
        if not created:
            self.stdout.write("demo users exist already: no user changed")
            return
        self.stdout.write(self.style.SUCCESS("demo users (passwords shown once, keep them):"))
        for username, role, password in created:
            self.stdout.write(f"  {username:<12} {role:<18} {password}")

    def _line_data(self) -> None:
        """A day of simulated line data, once, and a note on its first fault."""
        from accounts.models import User
        from historian.models import Annotation, Tag
        from historian.services import annotation_create

        day = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if Tag.objects.filter(name__startswith=f"{DEMO_LINE}.").exists():
            self.stdout.write(f"line {DEMO_LINE} has data already: no sample added")
        else:
            start = day - timedelta(days=1)
            self.stdout.write(f"simulating a day of line {DEMO_LINE} from {start.isoformat()} …")
            args = [
                "simulate_line",
                "--line",
                DEMO_LINE,
                "--start",
                start.isoformat(),
                "--hours",
                "24",
                "--seed",
                "42",
            ]
            for fault in DEMO_FAULTS:
                args += ["--fault", fault]
            call_command(*args, stdout=self.stdout)
        tag = Tag.objects.get(name=f"{DEMO_LINE}.FEEDER1.MASSFLOW")
        if Annotation.objects.filter(tag=tag).exists():
            return
        first = tag.history.order_by("history_date").first()
        begin = (first.history_date if first else day).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        if begin >= day:
            begin = day - timedelta(days=1)
        annotation_create(
            actor=User.objects.get(username="demo-seed"),
            tag=tag,
            start=begin + timedelta(hours=6),
            end=begin + timedelta(hours=6, minutes=6),
            text="API feeder bridging: flow at ~55 % until the hopper was tapped (simulated)",
        )
