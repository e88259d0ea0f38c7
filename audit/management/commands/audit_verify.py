"""`manage.py audit_verify`: exit 0 `OK <N> events head <hash>`, 1 `FAIL event <seq>: …`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from tqdm import tqdm

from audit.chain import chain_head
from audit.verification import verify_database


class Command(BaseCommand):
    help = "Verify the audit chain, signatures, checkpoints and the state of audited rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            total, _ = chain_head()
            bar = tqdm(
                total=total,
                unit="event",
                disable=options["quiet"] or not total,
                file=sys.stderr,
                leave=False,
            )
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            result = verify_database(progress)
            bar.close()
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        for note in result.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(result.line())
        if not result.ok:
            sys.exit(1)
