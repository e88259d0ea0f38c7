"""`manage.py audit_verify`: exit 0 `OK <N> events head <hash>`, 1 `FAIL event <seq>: …`.

A second stdout line says whether the result is anchored by the witness journal. With
`--witness FILE` (repeatable) the chain is checked against those journals instead of the
configured one, e.g. a copy kept off the host.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from audit.database_verification import verify_database
from audit.journal import read_journal
from audit.management.progress import chain_progress
from audit.verify import print_result


class Command(BaseCommand):
    help = "Verify the audit chain, signatures, checkpoints and the state of audited rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--witness",
            action="append",
            default=None,
            metavar="JOURNAL",
            help="check against this witness journal instead of the configured one; repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            witness = (
                [(path, read_journal(path)) for path in options["witness"]]
                if options["witness"] is not None
                else None
            )
        except (OSError, ValueError) as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(2)
        try:
            with chain_progress(quiet=options["quiet"]) as progress:
                result = verify_database(progress, witness=witness)
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        print_result(result, self.stdout.write, self.stderr.write)
        if not result.ok:
            sys.exit(1)
