"""LIMS reads: results as the API gives them (the latest revision of each, with the earlier
ones), a batch's results with their retests, and what they contribute to the batch's review:
exceptions (OOS, out of warning limits, revised) and release blockers (required tests missing
or not verified)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from audit.canonical import format_ts
from core.states import Blocker
from ebr.models import ExceptionKind
from ebr.providers import ReviewException
from lims_bridge.models import ColumnMapping, Result, Transfer


def latest_results(batch_number: str = "") -> QuerySet[Result]:
    """The latest revision of each LIMS result (of one batch when given), newest first."""
    later = Result.objects.filter(lims_id=OuterRef("lims_id"), revision__gt=OuterRef("revision"))
    found = Result.objects.filter(~Exists(later)).select_related("sample__batch")
    if batch_number:
        found = found.filter(sample__batch__batch_number=batch_number)
    return found.order_by("-pk")


def earlier_revisions(results: list[Result]) -> dict[str, list[Result]]:
    """The earlier revisions of each result's lims_id, oldest first."""
    found: dict[str, list[Result]] = defaultdict(list)
    latest = {r.lims_id: r.revision for r in results}
    rows = (
        Result.objects.filter(lims_id__in=latest)
        .select_related("sample__batch")
        .order_by("lims_id", "revision")
    )
    for row in rows:
        if row.revision < latest[row.lims_id]:
            found[row.lims_id].append(row)
    return found


def result_json(result: Result) -> dict[str, Any]:
    sample = result.sample
    return {
        "lims_id": result.lims_id,
        "revision": result.revision,
        "sample_id": sample.sample_id,
        "sampling_point": result.sampling_point or None,
        "batch_number": sample.batch.batch_number,
        "sampled_at": format_ts(result.sampled_at) if result.sampled_at else None,
        "test": result.test,
        "result": result.value if result.value is not None else result.text,
        "unit": result.unit,
        "spec_low": result.spec_low,
        "spec_high": result.spec_high,
        "warn_low": result.warn_low,
        "warn_high": result.warn_high,
        "status": result.status,
        "analyst": result.analyst,
        "verified_by": result.verified_by,
        "analyst_user": result.analyst_user or None,
        "verifier_users": result.verifier_users,
        "method": result.method,
        "instrument": result.instrument,
        "retest_of": result.retest_of or None,
        "captured_at": format_ts(result.captured_at) if result.captured_at else None,
        "source": result.source,
        "received_by": result.received_by,
        "oos": result.oos,
        "warning": result.warning,
    }


def results_json(results: list[Result]) -> list[dict[str, Any]]:
    """Each latest revision with `revisions`: its earlier ones, oldest first."""
    earlier = earlier_revisions(results)
    return [
        {**result_json(r), "revisions": [result_json(e) for e in earlier.get(r.lims_id, [])]}
        for r in results
    ]


def batch_results(batch: Any) -> list[dict[str, Any]]:
    """A batch's results for its page and record: by test, each with its revisions and the
    retests made of it."""
    found = list(latest_results(batch.batch_number).order_by("test", "sample__sample_id", "pk"))
    body = results_json(found)
    retests: dict[str, list[str]] = defaultdict(list)
    for item in body:  # a retest names its original (in any of its revisions)
        named = [item["retest_of"], *(e["retest_of"] for e in reversed(item["revisions"]))]
        origin = next((n for n in named if n), None)
        if origin:
            retests[origin].append(item["lims_id"])
    for item in body:
        item["retested_by"] = retests.get(item["lims_id"], [])
        item["material_window"] = material_window(batch, item["sampling_point"],
                                                  item["sampled_at"])  # fmt: skip
    return body


def material_window(batch: Any, point: str | None, sampled_at: str | None) -> dict[str, Any] | None:
    """When the material a sample holds left the line's outlet: at the outlet (or no point
    named), the moment it was taken; at a feeder with an RTD model, the RTD's 0.1–99.9 %
    window after it; elsewhere unknown (None)."""
    from datetime import datetime, timedelta

    from ebr.selectors.diversion import diversion
    from ebr.selectors.genealogy import NoRtdModel, line_versions

    if not sampled_at:
        return None
    taken = datetime.fromisoformat(sampled_at)
    if not point or point.upper() == "OUTLET":
        return {"start": sampled_at, "end": sampled_at, "how": "taken at the outlet"}
    if point not in line_versions(batch.line):
        return None
    try:
        window = diversion(batch.line, point, taken, taken + timedelta(seconds=1))
    except NoRtdModel:
        return None
    return {"start": window["divert_start"], "end": window["divert_end"],
            "how": f"from {point} through its RTD v{window['rtd_model']['version']}"}  # fmt: skip


# --- the batch's review: registered as providers in LimsBridgeConfig.ready() -----------------


def lims_exceptions(batch: Any) -> list[ReviewException]:
    """Every result (latest revision) out of specification or of warning limits, and every
    result revised after its first revision (one exception per revision, so a new revision is
    looked at again)."""
    found = list(latest_results(batch.batch_number).order_by("pk"))
    items: list[ReviewException] = []
    for r in found:
        what = f"{r.test} of sample {r.sample.sample_id} (LIMS {r.lims_id} r{r.revision})"
        value = f"{r.value:g} {r.unit}".strip() if r.value is not None else r.text
        limits = f"[{_fmt(r.spec_low)}, {_fmt(r.spec_high)}]"
        if r.oos:
            items.append(ReviewException(f"lims:{r.lims_id}:oos", ExceptionKind.LIMS_OOS,
                                         f"{what}: {value} outside its specification {limits}",
                                         r.lims_id, r.created_at))  # fmt: skip
        elif r.warning:
            warn = f"[{_fmt(r.warn_low)}, {_fmt(r.warn_high)}]"
            items.append(ReviewException(f"lims:{r.lims_id}:warning", ExceptionKind.LIMS_WARNING,
                                         f"{what}: {value} outside its warning limits {warn}",
                                         r.lims_id, r.created_at))  # fmt: skip
        if r.revision > 1:
            items.append(ReviewException(
                f"lims:{r.lims_id}:revised:{r.revision}", ExceptionKind.LIMS_REVISED,
                f"{what}: revised to revision {r.revision} ({value}, {r.status})",
                r.lims_id, r.created_at,
            ))  # fmt: skip
    return items


def lims_blockers(batch: Any) -> list[Blocker]:
    """The master record's required tests without a result, or without a verified or
    published one (retracted results do not count)."""
    found = [r for r in latest_results(batch.batch_number) if not r.retracted]
    blockers = []
    for test in batch.master_record.lims_tests:
        name = test.get("test", "")
        results = [r for r in found if r.test == name]
        if not results:
            blockers.append(Blocker("lims_missing", name, f"no LIMS result for {name} yet"))
        elif not any(r.verified for r in results):
            states = ", ".join(sorted({r.status for r in results}))
            why = f"{name} is not verified or published yet ({states})"
            blockers.append(Blocker("lims_unverified", name, why))
    return blockers


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


# --- mappings and transfers ----------------------------------------------------------------


def mappings() -> QuerySet[ColumnMapping]:
    return ColumnMapping.objects.order_by("name")


def mapping_json(mapping: ColumnMapping) -> dict[str, Any]:
    return {
        "name": mapping.name,
        "columns": mapping.columns,
        "sheet": mapping.sheet or None,
        "timestamp_format": mapping.timestamp_format or None,
        "author": mapping.author,
        "created_at": format_ts(mapping.created_at),
    }


def transfers(kind: str = "") -> QuerySet[Transfer]:
    found = Transfer.objects.defer("content")
    return (found.filter(kind=kind) if kind else found).order_by("-pk")


def transfer_json(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.pk,
        "kind": transfer.kind,
        "state": transfer.state,
        "requested_by": transfer.requested_by,
        "mapping": transfer.mapping or None,
        "filename": transfer.filename or None,
        "sha256": transfer.content_sha256 or None,
        "site": transfer.site or None,
        "since": format_ts(transfer.since) if transfer.since else None,
        "counts": transfer.counts,
        "progress": transfer.progress,
        "error": transfer.error or None,
        "created_at": format_ts(transfer.created_at),
        "finished_at": format_ts(transfer.finished_at) if transfer.finished_at else None,
    }


def results_section(batch: Any) -> list[Any]:
    """The batch page's "LIMS results" section."""
    from ebr.providers import Section

    return [Section("LIMS results", "lims_bridge/batch_results.html",
                    {"results": batch_results(batch), "tests": batch.master_record.lims_tests},
                    order=40)]  # fmt: skip


def detail_fields(batch: Any) -> dict[str, Any]:
    """What the batch's API detail carries of the LIMS: `lims_results`."""
    return {"lims_results": batch_results(batch)}
