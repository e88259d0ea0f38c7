"""`manage.py lims_pull senaite [--since TS]`: pull analyses from the configured SENAITE site
now, with a progress bar; the same pull the API queues (API.md, "LIMS bridge")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from audit.actors import SystemActor
from core.errors import DomainError
from lims_bridge import services
from lims_bridge.models import Transfer


class Command(BaseCommand):
    help = "Pull LIMS results from SENAITE (LEDGERLINE_SENAITE_URL, _USER, _PASSWORD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=["senaite"])
        parser.add_argument("--since", default=None,
                            help="ISO 8601 with an offset; default: the last pull")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        actor = SystemActor("system:lims-pull")
        try:
            transfer = services.pull_queue(actor=actor, since=options["since"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        with tqdm(total=100, desc="pulling from SENAITE", unit="%",
                  disable=None, file=self.stderr) as bar:  # fmt: skip

            def progress(share: float, what: str) -> None:
                bar.set_postfix_str(what)
                bar.update(round(share * 100) - bar.n)

            done = services.pull_senaite(actor=actor, transfer=transfer, progress=progress)
        if done.state == Transfer.State.FAILED:
            raise CommandError(f"pull #{done.pk} failed: {done.error}")
        counts = ", ".join(f"{k} {v}" for k, v in done.counts.items())
        self.stdout.write(f"pull #{done.pk} done: {counts}")
