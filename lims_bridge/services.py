"""LIMS bridge use cases (writes), each audited in its transaction: pushing results (see
lims_bridge.results), saving a column mapping, importing a result file (kept as received),
pulling from SENAITE."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actors import actor_identity
from audit.context import audit_context
from core.errors import Conflict, DomainError, NotFound
from ebr.models import Batch
from lims_bridge import files, senaite
from lims_bridge.errors import LimsError
from lims_bridge.models import ColumnMapping, Result, Source, Transfer
from lims_bridge.results import Stored, check_results, normalise, outcomes, store_results

__all__ = [
    "file_import",
    "file_preview",
    "file_stage",
    "mapping_save",
    "pull_queue",
    "pull_senaite",
    "store_results",
]

MAX_FILE_BYTES = 32 * 1024 * 1024
Progress = Callable[[float, str], None]


def mapping_save(*, actor: Any, name: Any, columns: Any, sheet: Any = "",
                 timestamp_format: Any = "") -> tuple[ColumnMapping, bool]:  # fmt: skip
    """(the mapping, created): a new mapping, or the one of that name replaced."""
    problems = files.check_mapping(columns, timestamp_format)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        problems["name"] = "a name of 1 to 100 characters"
    if problems:
        raise LimsError("The mapping is not usable: see fields.", fields=problems)
    with transaction.atomic(), audit_context(actor=actor, reason="mapping saved by its name"):
        mapping, created = ColumnMapping.objects.select_for_update().get_or_create(
            name=name.strip(),
            defaults={"columns": columns, "sheet": sheet or "",
                      "timestamp_format": timestamp_format or "",
                      "author": actor_identity(actor)[1]},
        )  # fmt: skip
        if not created:
            mapping.columns, mapping.sheet = columns, sheet or ""
            mapping.timestamp_format = timestamp_format or ""
            mapping.author = actor_identity(actor)[1]
            mapping.save(update_fields=["columns", "sheet", "timestamp_format", "author"])
    return mapping, created


def _mapping(name: Any) -> ColumnMapping:
    found = ColumnMapping.objects.filter(name=name).first() if isinstance(name, str) else None
    if found is None:
        raise LimsError(f"No saved mapping {name!r}: save one first (lims/mappings/).",
                        fields={"mapping": "a saved mapping's name"})  # fmt: skip
    return found


def _raws(content: bytes, filename: str, mapping: ColumnMapping) -> list[dict[str, Any]]:
    return files.items_from(files.read_rows(content, filename, mapping.sheet), mapping)


def _row_problems(exc: DomainError) -> DomainError:
    """The push's item problems named by the file's row (its line; the header is line 1)."""
    for item in exc.items:
        if "index" in item:
            item["row"] = item.pop("index") + 2
    return exc


@dataclass
class Preview:
    rows: list[dict[str, Any]]  # the parsed rows, each with its line and outcome
    problems: list[dict[str, Any]]  # row, field, error — nothing would be stored


def file_preview(content: bytes, filename: str, mapping_name: str) -> Preview:
    """What importing the file would store, row by row (reads only)."""
    mapping = _mapping(mapping_name)
    raws = _raws(content, filename, mapping)
    rows = [{"row": i + 2, **raw} for i, raw in enumerate(raws)]
    try:
        items = check_results(raws)
    except DomainError as exc:
        return Preview(rows, _row_problems(exc).items)
    existing, conflicts = outcomes(items)
    clash = {c["index"] for c in conflicts}
    for item in items:
        key = (item.fields["lims_id"], item.fields["revision"])
        rows[item.index]["outcome"] = (
            "conflict" if item.index in clash else "replay" if key in existing else "new"
        )
        rows[item.index]["flag"] = _flag(item.fields)
    problems = [{"row": c["index"] + 2, "field": "revision", "error": c["detail"]}
                for c in conflicts]  # fmt: skip
    return Preview(rows, problems)


def _flag(fields: dict[str, Any]) -> str:
    """What the row would be flagged: OOS or out of its warning limits."""
    probe = Result(value=fields.get("value"), status=fields["status"],
                   spec_low=fields["spec_low"], spec_high=fields["spec_high"],
                   warn_low=fields["warn_low"], warn_high=fields["warn_high"])  # fmt: skip
    return "OOS" if probe.oos else "warning" if probe.warning else ""


def file_stage(*, actor: Any, content: bytes, filename: str, mapping_name: str) -> Transfer:
    """The file kept as received (with its SHA-256) for a preview; nothing of it imported."""
    _check_file(content, filename)
    mapping = _mapping(mapping_name)
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        return Transfer.objects.create(
            kind=Transfer.Kind.FILE, state=Transfer.State.PREVIEWED,
            requested_by=actor_identity(actor)[1], mapping=mapping.name,
            filename=filename[:255], content=content,
            content_sha256=hashlib.sha256(content).hexdigest(),
        )  # fmt: skip


def _check_file(content: bytes, filename: str) -> None:
    if not content:
        raise LimsError("The file is empty.", fields={"file": "a CSV or .xlsx file"})
    if len(content) > MAX_FILE_BYTES:
        raise LimsError("The file is over 32 MB: split it.", fields={"file": "at most 32 MB"})


def file_import(
    *,
    actor: Any,
    content: bytes | None = None,
    filename: str = "",
    mapping_name: str = "",
    staged: Transfer | None = None,
) -> tuple[Transfer, Stored]:
    """Import a file (or one staged for preview) atomically: its rows are stored as one push,
    the file kept as received; any broken row → 422 naming the row and field, nothing
    stored."""
    if staged is not None:
        if staged.state != Transfer.State.PREVIEWED:
            raise Conflict(f"Import #{staged.pk} was {staged.state} already.")
        content, filename, mapping_name = (
            bytes(staged.content or b""),
            staged.filename,
            staged.mapping,
        )
    assert content is not None
    _check_file(content, filename)
    mapping = _mapping(mapping_name)
    raws = _raws(content, filename, mapping)
    with transaction.atomic(), audit_context(actor=actor, reason="the file was imported"):
        try:
            stored = store_results(actor=actor, raws=raws, source=Source.FILE)
        except DomainError as exc:
            raise _row_problems(exc) from exc
        transfer = staged or Transfer(
            kind=Transfer.Kind.FILE, requested_by=actor_identity(actor)[1], mapping=mapping.name,
            filename=filename[:255], content=content,
            content_sha256=hashlib.sha256(content).hexdigest(),
        )  # fmt: skip
        transfer.state, transfer.progress = Transfer.State.DONE, 1.0
        transfer.counts = {"rows": len(raws), "created": stored.created,
                           "replayed": len(stored.outcomes) - stored.created}  # fmt: skip
        transfer.finished_at = timezone.now()
        transfer.save()
    return transfer, stored


# --- SENAITE --------------------------------------------------------------------------------


def pull_queue(*, actor: Any, since: Any = None, site: senaite.Site | None = None) -> Transfer:
    """A pull waiting for the background queue (the task runs pull_senaite) from the
    configured site (or `site`)."""
    site = site or senaite.Site.configured()
    if site is None:
        raise LimsError("No SENAITE site is configured: set LEDGERLINE_SENAITE_URL, "
                        "LEDGERLINE_SENAITE_USER and LEDGERLINE_SENAITE_PASSWORD.",
                        fields={"source": "no SENAITE site configured"})  # fmt: skip
    problems: dict[str, str] = {}
    from ebr.services.fields import moment

    when = moment(since, "since", problems)
    if problems:
        raise LimsError("since is an ISO 8601 timestamp with an offset.", fields=problems)
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        return Transfer.objects.create(kind=Transfer.Kind.SENAITE, state=Transfer.State.QUEUED,
                                       requested_by=actor_identity(actor)[1], site=site.url,
                                       since=when or _last_pull())  # fmt: skip


def _last_pull() -> datetime | None:
    last = (
        Transfer.objects.filter(kind=Transfer.Kind.SENAITE, state=Transfer.State.DONE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return last


def _progress(actor: Any, transfer: Transfer, share: float) -> None:
    """The transfer's progress, committed at once (left out of the audit trail)."""
    with transaction.atomic(), audit_context(actor=actor, reason="progress of the transfer"):
        Transfer.objects.filter(pk=transfer.pk).update(progress=round(share, 4))


def pull_senaite(*, actor: Any, transfer: Transfer, site: senaite.Site | None = None,
                 progress: Progress | None = None) -> Transfer:  # fmt: skip
    """Run a queued pull: every page read first (a failing page tried once more), then every
    changed analysis stored at once as a new revision; unchanged ones store nothing. A
    failure stores nothing of the pull and says why on the transfer."""
    site = site or senaite.Site.configured()
    if site is None:
        return _failed(actor, transfer, "No SENAITE site is configured.")
    with transaction.atomic(), audit_context(actor=actor, reason="the pull began"):
        Transfer.objects.filter(pk=transfer.pk).update(state=Transfer.State.RUNNING)
    client = senaite.Client(site)

    def paged(read: int, pages: int) -> None:
        _progress(actor, transfer, 0.8 * read / max(pages, 1))
        if progress:
            progress(0.8 * read / max(pages, 1), f"page {read} of {pages}")

    try:
        client.login()
        raws, counts = _analyses(client, transfer.since, paged)
        to_store = _revisions(raws, counts)
        if progress:
            progress(0.9, f"storing {len(to_store):,} changed analyses")
        with transaction.atomic(), audit_context(actor=actor, reason="the pull stored its results"):
            stored = store_results(actor=actor, raws=to_store, source=Source.SENAITE)
            counts["created"] = stored.created
            locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
            locked.state, locked.progress, locked.counts = Transfer.State.DONE, 1.0, counts
            locked.finished_at = timezone.now()
            locked.save(update_fields=["state", "progress", "counts", "finished_at"])
    except senaite.PullError as exc:
        return _failed(actor, transfer, str(exc))
    except DomainError as exc:
        detail = "; ".join(
            f"{i.get('lims_id', '')} {i.get('field', '')}: {i.get('error', i.get('detail', ''))}"
            for i in exc.items[:10]
        )
        return _failed(actor, transfer, f"{exc.message} {detail}".strip())
    if progress:
        progress(1.0, "done")
    return locked


Analyses = tuple[list[dict[str, Any]], dict[str, int]]


def _analyses(
    client: senaite.Client, since: datetime | None, paged: Callable[[int, int], None]
) -> Analyses:
    """The push items of the analyses modified since `since` whose sample is of a batch
    Ledgerline knows; counts of what was read and left out."""
    batches: dict[str, str] = {}
    known = set(Batch.objects.values_list("batch_number", flat=True))
    counts = {"analyses": 0, "not_modified": 0, "without_result": 0, "other_batches": 0}
    raws: list[dict[str, Any]] = []
    for analysis in client.analyses(paged):
        counts["analyses"] += 1
        if not senaite.modified_since(analysis, since):
            counts["not_modified"] += 1
            continue
        sample = str(analysis.get("parent_uid") or "")
        if sample not in batches:
            batches[sample] = str(client.sample(sample).get("getBatchID") or "") if sample else ""
        item = senaite.to_item(analysis, batches[sample])
        if item is None:
            counts["without_result"] += 1
        elif item["batch_number"] not in known:
            counts["other_batches"] += 1  # a sample of no batch Ledgerline records
        else:
            raws.append(item)
    return raws, counts


def _revisions(raws: list[dict[str, Any]], counts: dict[str, int]) -> list[dict[str, Any]]:
    """Each analysis numbered as its next revision when its content changed since its latest
    stored one; the unchanged ones left out."""
    latest: dict[str, tuple[int, str]] = {}
    ids = [str(r.get("lims_id")) for r in raws]
    rows = Result.objects.filter(lims_id__in=ids).order_by("lims_id", "revision")
    for lims_id, revision, digest in rows.values_list("lims_id", "revision", "content_sha256"):
        latest[lims_id] = (revision, digest)
    changed = []
    counts["unchanged"] = 0
    for raw in raws:
        before = latest.get(str(raw.get("lims_id")))
        item = {**raw, "revision": (before[0] + 1) if before else 1}
        normal, _ = normalise(0, item)
        if before is not None and normal is not None and normal.sha256 == before[1]:
            counts["unchanged"] += 1
            continue
        changed.append(item)
    return changed


def _failed(actor: Any, transfer: Transfer, error: str) -> Transfer:
    with transaction.atomic(), audit_context(actor=actor, reason="the pull failed"):
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        locked.state, locked.error = Transfer.State.FAILED, error[:5000]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["state", "error", "finished_at"])
    return locked


def transfer_get(pk: int) -> Transfer:
    found = Transfer.objects.defer("content").filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No import or pull #{pk}.")
    return found
