"""`manage.py create_administrator USERNAME --name "Printed Name"`: the first administrator.

Prints a one-time password that must be changed at first sign-in.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import roles as R
from accounts.services import user_create
from audit.actors import SystemActor
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create an administrator (users and roles only, no GxP permission)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="printed name")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _, password = user_create(
                actor=SystemActor("system:bootstrap"),
                username=options["username"],
                full_name=options["name"],
                email=options["email"],
                roles=[R.ADMINISTRATOR],
                reason="first administrator",
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"administrator {options['username']} created; one-time password:")
        self.stdout.write(password)
