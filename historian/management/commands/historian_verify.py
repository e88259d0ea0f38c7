"""`manage.py historian_verify [--since TS]`: re-hash stored samples per ingest batch.

Exit 0 `OK <N> ingest batches <M> samples`; 1 `FAIL ingest <id>: …`; 2 usage or database error.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from tqdm import tqdm

from historian.ingest import parse_ts
from historian.models import IngestBatch
from historian.verification import verify_samples


class Command(BaseCommand):
    help = "Re-hash the stored samples of every ingest batch against the digests in the chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", help="only batches received at or after this timestamp")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            parsed = parse_ts(options["since"])
            if isinstance(parsed, str):
                self.stderr.write(f"error: --since: {parsed}")
                sys.exit(2)
            since = parsed[0]
        try:
            total = IngestBatch.objects.count()
            with tqdm(
                total=total,
                unit="batch",
                disable=options["quiet"] or not total,
                file=sys.stderr,
                leave=False,
            ) as bar:

                def progress(done: int) -> None:
                    bar.update(done - bar.n)

                result = verify_samples(since, progress=progress)
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        self.stdout.write(result.line())
        if not result.ok:
            sys.exit(1)
