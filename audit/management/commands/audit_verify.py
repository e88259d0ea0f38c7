"""`manage.py audit_verify`: exit 0 `OK <N> events head <hash>`, 1 `FAIL event <seq>: …`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from audit.management.progress import chain_progress
from audit.verification import verify_database

MORE_FAILURES_SHOWN = 20


class Command(BaseCommand):
    help = "Verify the audit chain, signatures, checkpoints and the state of audited rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with chain_progress(quiet=options["quiet"]) as progress:
                result = verify_database(progress)
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        for note in result.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(result.line())
        if not result.ok:
            # The contract's one line is on stdout; everything else found goes to stderr.
            others = sorted(result.failures)[1 : 1 + MORE_FAILURES_SHOWN]
            for failure in others:
                self.stderr.write(f"also: {failure.line()}")
            sys.exit(1)
