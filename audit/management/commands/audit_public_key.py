"""`manage.py audit_public_key`: the server's current public key (PEM) and its key id."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.keys import current_key


class Command(BaseCommand):
    help = "Print the server's current public key (PEM) and its key id."

    def handle(self, *args: Any, **options: Any) -> None:
        key = current_key()
        self.stdout.write(f"key id: {key.key_id}")
        self.stdout.write(key.public_pem.rstrip("\n"))
