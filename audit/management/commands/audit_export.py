"""`manage.py audit_export --out FILE`: the JSON Lines export for offline verification."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from audit.export import write_export
from audit.management.progress import chain_progress


class Command(BaseCommand):
    help = "Export events, signatures, checkpoints, signed records, audited rows and keys."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="file to write (JSON Lines)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with (
                chain_progress(quiet=options["quiet"]) as progress,
                open(options["out"], "w", encoding="utf-8") as out,
            ):
                events = write_export(out, progress)
        except OSError as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(2)
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        self.stdout.write(f"exported {events} events to {options['out']}")
