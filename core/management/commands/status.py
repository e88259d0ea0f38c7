"""`manage.py status`: versions, database, TimescaleDB version and license, chain head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from core.selectors import system_status


class Command(BaseCommand):
    help = "Show versions, the database, TimescaleDB version and license, and the chain head."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            status = system_status()
        except OperationalError as exc:
            raise CommandError(
                f"cannot reach the database: {exc}. Start it with 'make db-start' or check "
                "DATABASE_URL."
            ) from exc
        out = self.stdout
        for name, version in status["versions"].items():
            out.write(f"{name:<22}{version}")
        db = status["database"]
        out.write(f"{'postgresql':<22}{db['server_version']}")
        out.write(f"{'database':<22}{db['name']} as {db['user']} at {db['host']}:{db['port']}")
        ts = status["timescaledb"]
        if ts["installed"]:
            out.write(f"{'timescaledb':<22}{ts['version']} (license: {ts['license']})")
        else:
            out.write(f"{'timescaledb':<22}NOT INSTALLED")
        head = status["chain_head"]
        out.write(f"{'audit chain head':<22}{head['seq']} {head['hash']}")
        key = status["signing_key"]
        out.write(f"{'signing key':<22}{key['key_id'] or key.get('error')}")
