"""`manage.py lims_import FILE --mapping NAME`: import a CSV or Excel result file through a
saved column mapping, atomically (API.md, "LIMS bridge"); `--preview` shows what it would
store and stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from audit.actors import SystemActor
from core.errors import DomainError
from lims_bridge import services


class Command(BaseCommand):
    help = "Import a LIMS result file (CSV or .xlsx) through a saved column mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", required=True)
        parser.add_argument("--preview", action="store_true", help="store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        with tqdm(total=3, desc=f"importing {path.name}", disable=None, file=self.stderr) as bar:
            content = path.read_bytes()
            bar.update(1)
            try:
                if options["preview"]:
                    preview = services.file_preview(content, path.name, options["mapping"])
                    bar.update(2)
                    for problem in preview.problems[:50]:
                        self.stdout.write(f"row {problem['row']} {problem['field']}: "
                                          f"{problem['error']}")  # fmt: skip
                    outcomes = [str(r.get("outcome", "invalid")) for r in preview.rows]
                    counts = {k: outcomes.count(k) for k in sorted(set(outcomes))}
                    self.stdout.write(f"{len(preview.rows)} rows: {counts}; nothing stored")
                    return
                transfer, stored = services.file_import(
                    actor=SystemActor("system:lims-import"), content=content,
                    filename=path.name, mapping_name=options["mapping"],
                )  # fmt: skip
                bar.update(2)
            except DomainError as exc:
                rows = "; ".join(
                    f"row {i.get('row', '?')} {i.get('field', '')}: {i.get('error', '')}"
                    for i in exc.items[:20]
                )
                raise CommandError(f"nothing imported: {exc.message} {rows}".strip()) from exc
        self.stdout.write(f"import #{transfer.pk}: {stored.created} stored, "
                          f"{len(stored.outcomes) - stored.created} replayed")  # fmt: skip
