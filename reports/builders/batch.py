"""The batch record (21 CFR 211.188; `reports/batches/{batch_number}.pdf`): header, master
record version, window and quantities; every step with its entries, corrections (the original
shown, struck through in words) and signature manifestations (printed name, time in the site's
zone with UTC, meaning — 11.50); the CPP trends with their limits and the excursions marked;
deviations with their closure; LIMS results with revisions; genealogy; the review-by-exception
log; the disposition; the batch's audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from reportlab.lib.units import mm

from audit.models import AuditEvent
from core.errors import NotFound
from ebr import selectors as ebr
from ebr.models import Batch, StepEntry
from historian.models import Tag
from lims_bridge.selectors import batch_results
from reports.builders.trend import chart_of
from reports.pdf import Content, pairs, para, table, when

AUDIT_ROWS = 400


def resolve(params: dict[str, Any], user: Any) -> Any:
    number = str(params.get("batch_number", ""))
    found = (
        Batch.objects.select_related("master_record", "line__equipment", "line__outlet_tag")
        .filter(batch_number=number)
        .first()
    )
    if found is None:
        raise NotFound(f"No batch {number}.")
    return found


def _at(text: str | None) -> str:
    return when(datetime.fromisoformat(text)) if text else "—"


def _signed(signatures: list[dict[str, Any]]) -> str:
    """Manifestations: printed name (username), meaning, when (site zone and UTC)."""
    shown = [f"{s['printed_name']} ({s['signed_by']}) — {s['meaning']}, {_at(s['signed_at'])}: "
             f"{s['reason']}" for s in signatures]  # fmt: skip
    return "; ".join(shown) or "—"


def _values(values: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in values.items())


def build(batch: Batch, progress: Callable[[float], None]) -> Content:
    record = batch.master_record
    end = batch.end or timezone.now()
    story: list[Any] = [
        para("Batch", "h2"),
        pairs([
            ("Batch", f"{batch.batch_number} ({batch.status})"),
            ("Product", record.product),
            ("Master record", f"{record.code} v{record.version} — {record.title}"),
            ("Line", f"{batch.line.code} — {batch.line.name}"),
            ("Window", f"{when(batch.start)} → {when(batch.end)}"),
            ("Quantity", f"planned {batch.planned_quantity or '—'} {batch.unit}, actual "
                         f"{batch.actual_quantity if batch.actual_quantity is not None else '—'} "
                         f"{batch.unit}"),
        ]),
    ]  # fmt: skip
    steps = ebr.steps_json(batch)
    story.append(para("Steps and entries", "h2"))
    for step in steps:
        story.append(para(f"{step['code']} {step['title']}"
                          f"{' — complete' if step['complete'] else ''}", "h3"))  # fmt: skip
        corrected = {e["corrects"] for e in step["entries"] if e["corrects"]}
        rows = []
        for entry in step["entries"]:
            flags = []
            if entry["out_of_limit"]:
                flags.append("out of limit: " + ", ".join(entry["out_of_limit"]))
            if entry["late"]:
                flags.append("late")
            state = ("CORRECTED by a later entry (original kept)" if entry["id"] in corrected
                     else f"corrects entry {entry['corrects']}: {entry['reason']}"
                     if entry["corrects"] else "")  # fmt: skip
            rows.append([str(entry["id"]), _values(entry["values"]),
                         "; ".join(filter(None, [state, *flags])) or "—",
                         _signed(entry["performed"]), _signed(entry["verified"])])  # fmt: skip
        story.append(table(["Entry", "Values", "Notes", "Performed", "Verified"], rows,
                           widths=[12 * mm, 48 * mm, 34 * mm, 42 * mm, 42 * mm])
                     if rows else para("No entry.", "small"))  # fmt: skip
    progress(0.2)
    deviations = list(ebr.deviations(batch_number=batch.batch_number))
    story.append(para("CPP trends", "h2"))
    for spec in record.parameter_specs:
        tag = Tag.objects.filter(name=spec["tag"]).first()
        if tag is None:
            continue
        shaded = [(d.start, d.end or end) for d in deviations if d.tag_id == tag.pk]
        story.append(chart_of(tag, batch.start, end, spec.get("low"), spec.get("high"), shaded))
    progress(0.5)
    signed = ebr.deviation_signatures(deviations)
    story.append(para("Deviations", "h2"))
    story.append(table(
        ["Number", "Kind", "When", "What", "Closure"],
        [[d.number, f"{d.kind}, {d.severity}", f"{when(d.start)} → {when(d.end)}", d.description,
          (f"closed: {d.root_cause} / {d.impact} / CAPA {d.capa}. "
           + _signed([ebr.signature_json(s) for s in signed[d.pk]]))
          if d.status == "closed" else d.status] for d in deviations],
        widths=[20 * mm, 24 * mm, 36 * mm, 50 * mm, 48 * mm],
    ) if deviations else para("None.", "small"))  # fmt: skip
    lims = batch_results(batch)
    story.append(para("LIMS results", "h2"))
    story.append(table(
        ["Test", "Sample", "Result", "Specification", "Status", "Revisions"],
        [[r["test"], r["sample_id"], f"{r['result']} {r['unit']}{' OOS' if r['oos'] else ''}",
          f"{r['spec_low'] if r['spec_low'] is not None else '—'} – "
          f"{r['spec_high'] if r['spec_high'] is not None else '—'}", r["status"],
          "; ".join(f"r{e['revision']}: {e['result']} ({e['status']})" for e in r["revisions"])
          or "—"] for r in lims],
        widths=[34 * mm, 26 * mm, 30 * mm, 26 * mm, 24 * mm, 38 * mm],
    ) if lims else para("None.", "small"))  # fmt: skip
    progress(0.6)
    genealogy = _genealogy(batch, end)
    story.append(para("Genealogy", "h2"))
    story.append(table(["Feeder", "Material", "Lot", "Fraction"],
                       [[i["feeder"], i["material"] or "—", i["lot"] or "unrecorded",
                         f"{100 * i['fraction']:.2f} %"] for i in genealogy["inputs"]])
                 if genealogy.get("inputs") else para(genealogy.get("problem", "No feed."),
                                                      "small"))  # fmt: skip
    exceptions = ebr.batch_exceptions(batch)
    story.append(para("Review by exception", "h2"))
    story.append(table(
        ["Exception", "What", "Reviewed"],
        [[e["id"], e["summary"], (f"{e['reviewed_by']}, {_at(e['reviewed_at'])}: {e['comment']}"
                                  if e["reviewed_by"] else "not reviewed")] for e in exceptions],
        widths=[36 * mm, 90 * mm, 52 * mm],
    ) if exceptions else para("None.", "small"))  # fmt: skip
    disposition = ebr.disposition_json(batch)
    story.append(para("Disposition", "h2"))
    story.append(para(f"{disposition['decision']}d — {_signed([disposition['signature']])}"
                      if disposition else "Not disposed yet."))  # fmt: skip
    progress(0.7)
    events = _audit(batch)
    story.append(para("Audit trail of the batch", "h2"))
    story.append(table(["Seq", "When", "Who", "Action", "Record", "Reason"],
                       [[str(e.seq or "—"), when(e.occurred_at), e.actor_username, e.action,
                         f"{e.table_name} {e.record_pk}", e.reason or "—"] for e in events],
                       widths=[14 * mm, 38 * mm, 28 * mm, 18 * mm, 40 * mm, 40 * mm]))  # fmt: skip
    manifest = {
        "report": "batch", "batch": ebr.batch_json(batch), "steps": steps,
        "deviations": [d.number for d in deviations], "lims": lims, "genealogy": genealogy,
        "exceptions": exceptions, "disposition": disposition,
        "audit": [[e.seq, e.hash] for e in events],
    }  # fmt: skip
    return Content(title=f"Batch record {batch.batch_number}",
                   subtitle=f"{record.product} · {record.code} v{record.version} · line "
                            f"{batch.line.code}", story=story, manifest=manifest)  # fmt: skip


def _genealogy(batch: Batch, end: datetime) -> dict[str, Any]:
    from ebr.selectors.genealogy import NoRtdModel

    try:
        return ebr.genealogy_backward(batch.line, batch.start, end)
    except NoRtdModel as exc:
        return {"problem": exc.message}


def _audit(batch: Batch) -> list[AuditEvent]:
    """The batch row's events and its entries' (at most AUDIT_ROWS, in chain order)."""
    entries = [str(pk) for pk in StepEntry.objects.filter(batch=batch).values_list("pk", flat=True)]
    found = AuditEvent.objects.filter(
        Q(table_name="ebr_batch", record_pk=str(batch.pk))
        | Q(table_name="ebr_step_entry", record_pk__in=entries)
    ).order_by("seq", "id")
    return list(found[:AUDIT_ROWS])
