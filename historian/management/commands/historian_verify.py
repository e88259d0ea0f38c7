"""`manage.py historian_verify [--since TS] [--rollups sample|full|none] [--workers N]`.

Re-hashes the stored samples per ingest batch (in worker processes, one per core, when there
are many: each reads its batches in the same exported snapshot), counts every stored sample by
the batch it names, and recomputes rollups from the raw samples. Exit 0 `OK <N> ingest batches <M>
samples` (a second line states which rollups were recomputed); 1 `FAIL ingest <id>: …` or
`FAIL rollup <tag> <minute|hour> <bucket>: …` for the first problem, every other problem on
stderr; 2 usage or database error.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from tqdm import tqdm

from historian.models import IngestBatch
from historian.timestamps import parse_ts
from historian.verification import verify_samples

MORE_FAILURES_SHOWN = 50


class Command(BaseCommand):
    help = "Re-hash the stored samples of every ingest batch against the digests in the chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", help="only batches received at or after this timestamp")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--rollups",
            choices=["sample", "full", "none"],
            default="sample",
            help="recompute a random sample of rollup buckets (default), every bucket, or none",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that re-hash batches (default: one per core, at most 4, from "
            "1,000,000 samples; 1 keeps it in this process)",
        )

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

                if options["workers"] is not None and options["workers"] < 1:
                    self.stderr.write("error: --workers: at least 1")
                    sys.exit(2)
                result = verify_samples(since, progress=progress, rollups=options["rollups"],
                                        workers=options["workers"])  # fmt: skip
        except DatabaseError as exc:
            self.stderr.write(f"error: database: {exc}")
            sys.exit(2)
        self.stdout.write(result.line())
        if result.rollups:
            self.stdout.write(result.rollups)
        for subject, message in result.failures[1 : 1 + MORE_FAILURES_SHOWN]:
            self.stderr.write(f"also: FAIL {subject}: {message}")
        if not result.ok:
            sys.exit(1)
