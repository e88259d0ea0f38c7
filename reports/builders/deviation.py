"""The deviation report (`reports/deviations/{number}.pdf`): the deviation, its batch and tag,
its window, what the monitor measured, the diversion window a feeder excursion implies, the
root-cause ranking with evidence charts (reports.rootcause), its investigation and closure with
the signature manifestations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.canonical import format_ts
from core.errors import NotFound
from ebr import selectors as ebr
from reports import rootcause
from reports.pdf import Content, pairs, para, table, when
from reports.rootcause import pdf as rootcause_pdf


def resolve(params: dict[str, Any], user: Any) -> Any:
    number = str(params.get("number", ""))
    found = ebr.deviations().filter(number=number).first()
    if found is None:
        raise NotFound(f"No deviation {number}.")
    return found


def build(deviation: Any, progress: Callable[[float], None]) -> Content:
    signatures = ebr.deviation_signatures([deviation])[deviation.pk]
    body = ebr.deviation_json(deviation, signatures)
    diversion = ebr.deviation_diversion(deviation)
    progress(0.2)
    ranking = rootcause.ranking_json(rootcause.rank_deviation(deviation),
                                     series=rootcause_pdf.CHARTED)  # fmt: skip
    progress(0.6)
    story: list[Any] = [
        para("What happened", "h2"),
        pairs(
            [
                ("Kind, severity", f"{deviation.kind}, {deviation.severity}"),
                ("Status", deviation.status),
                ("Line", deviation.line.code),
                ("Batch", deviation.batch.batch_number if deviation.batch else "—"),
                ("Tag", deviation.tag.name if deviation.tag else "—"),
                ("Window", f"{when(deviation.start)} → {when(deviation.end)}"),
                ("Raised", f"{when(deviation.created_at)} by {deviation.raised_by}"),
                ("Description", deviation.description),
                ("Measured", "; ".join(f"{k}: {v}" for k, v in deviation.details.items()) or "—"),
            ]
        ),
    ]
    if diversion:
        story += [para("Diversion window", "h2")]
        if diversion.get("divert_start"):
            story.append(para(
                f"Material that left the outlet from {diversion['divert_start']} until "
                f"{diversion['divert_end'] or 'the excursion ends plus the RTD tail'} may hold "
                "what "
                f"feeder {diversion['feeder']} fed during the excursion (RTD "
                f"{diversion['rtd_model']['described']}, version "
                f"{diversion['rtd_model']['version']}; 0.1 % and 99.9 % quantiles)."
            ))  # fmt: skip
        else:
            story.append(para(diversion.get("problem", "")))
    story += rootcause_pdf.section(ranking)
    story += [para("Investigation and closure", "h2")]
    if deviation.status == "closed":
        story.append(pairs([("Root cause", deviation.root_cause), ("Impact", deviation.impact),
                            ("CAPA", deviation.capa)]))  # fmt: skip
    else:
        story.append(para(f"Not closed yet ({deviation.status}): QA investigates it."))
    if signatures:
        story += [para("Signatures", "h3"), table(
            ["Meaning", "Signed by", "When", "Reason"],
            [[s.meaning, f"{s.printed_name} ({s.signer_username})", when(s.signed_at), s.reason]
             for s in signatures],
        )]  # fmt: skip
    progress(0.8)
    return Content(
        title=f"Deviation {deviation.number}",
        subtitle=f"{deviation.kind} on line {deviation.line.code}"
        + (f", batch {deviation.batch.batch_number}" if deviation.batch else ""),
        story=story,
        manifest={"report": "deviation", "deviation": body, "diversion": diversion,
                  "root_cause": [{k: c[k] for k in ("kind", "ref", "score", "lag_s", "onset")}
                                 for c in ranking["candidates"][:rootcause_pdf.LISTED]],
                  "rendered_from": format_ts(deviation.created_at)},
    )  # fmt: skip
