"""`manage.py audit_checkpoint [--rotate-key]`: sign the chain head now (or rotate the key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.services import create_checkpoint, rotate_key


class Command(BaseCommand):
    help = "Sign the current chain head with the server key; --rotate-key starts a new key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--rotate-key",
            action="store_true",
            help="start a new key whose first checkpoint the old key endorses",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rotate_key"]:
            checkpoint = rotate_key(actor="system:key-rotation")
            self.stdout.write(
                f"new key {checkpoint.key_id}, endorsed by {checkpoint.previous_key_id}"
            )
        else:
            checkpoint = create_checkpoint(actor="system:checkpoint")
        self.stdout.write(
            f"checkpoint {checkpoint.pk}: head {checkpoint.head_seq} "
            f"{checkpoint.head_hash} signed by {checkpoint.key_id}"
        )
