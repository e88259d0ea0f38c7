"""`manage.py scheduler`: the background worker — checkpoints, verifications, later jobs.

Runs procrastinate's worker with its periodic tasks (hourly checkpoint, daily
verification) on the PostgreSQL-backed queue. Stop it with Ctrl-C.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

from audit.keys import current_key


class Command(BaseCommand):
    help = "Run the background worker: scheduled checkpoints and verifications, queued jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="process what is queued now, then stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = current_key()
        self.stdout.write(f"scheduler: server key {key.key_id}; waiting for jobs")
        with app.replace_connector(app.connector.get_worker_connector()):  # type: ignore[attr-defined]
            app.run_worker(
                queues=["audit", "default"],
                wait=not options["once"],
                # Job rows of work that succeeded are not kept: what matters is recorded
                # elsewhere (audit events, verification runs); the rollup drain alone would
                # leave 17,000 a day.
                delete_jobs="successful",
                install_signal_handlers=not options["once"],
            )
