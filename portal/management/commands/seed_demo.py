"""`manage.py seed_demo`: the demo, seeded by every app from its own `demo.py`.

Each installed app that has a `demo` module seeds its part (`seed(out)`, idempotent), in
INSTALLED_APPS order: accounts (people, one per role, and service accounts), then the
historian (a simulated day of line L1). The chain head is then signed and witnessed, and
new passwords are printed once, last.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.models import Checkpoint
from audit.services import create_checkpoint
from core.modules import app_modules


def demo_modules() -> list[Any]:
    return app_modules("demo")


class Command(BaseCommand):
    help = "Seed the demo (people per role, service accounts, a day of line data). Safe again."

    def handle(self, *args: Any, **options: Any) -> None:
        notes: list[str] = []
        for module in demo_modules():
            notes += module.seed(self.stdout)
        if not Checkpoint.objects.exists():
            create_checkpoint(actor="system:seed")
        for line in notes:
            self.stdout.write(line)
