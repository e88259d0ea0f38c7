"""Storing LIMS results, whatever brought them (a push, a file, a SENAITE pull): each item
checked field by field, keyed by (`lims_id`, `revision`), stored atomically with its audit
events; a replay stores nothing; an out-of-specification result raises an `oos` deviation.

Order of the checks (API.md): invalid items → 422 naming each item's index and field; a key
stored with other content → 409; then everything is stored in one transaction."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from audit.actors import actor_identity
from audit.canonical import format_ts
from audit.context import audit_context
from core.errors import Conflict, Unprocessable
from ebr import services as ebr_services
from ebr.models import Batch
from historian.timestamps import parse_ts
from lims_bridge.models import Result, Sample, Source, status_move_problem

TEXT_FIELDS = {
    "sample_id": 100, "sampling_point": 100, "batch_number": 60, "test": 200, "unit": 40,
    "status": 40, "analyst": 150, "method": 200, "instrument": 200, "retest_of": 100,
    "sample_status": 40,
}  # fmt: skip
LIMITS = ("spec_low", "spec_high", "warn_low", "warn_high")
REQUIRED = ("lims_id", "revision", "sample_id", "batch_number", "test", "result", "status")


@dataclass
class Item:
    """One result as it will be stored, its content in canonical form."""

    index: int
    fields: dict[str, Any]
    sha256: str = ""
    batch: Batch | None = None


@dataclass
class Outcome:
    lims_id: str
    revision: int
    outcome: str  # created | replayed
    result: Result


@dataclass
class Stored:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for o in self.outcomes if o.outcome == "created")


def _number(value: Any) -> float | str | None:
    """A finite number (numbers, or text a LIMS writes them as: "10.2", "10,2"), None for
    null or empty, or why it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "a number, not true/false"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return "a number"
    else:
        return "a number"
    return number if math.isfinite(number) else "a finite number"


def _moment(value: Any) -> datetime | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    parsed = parse_ts(value)
    return parsed if isinstance(parsed, str) else parsed[0]


def normalise(index: int, raw: Any) -> tuple[Item | None, list[dict[str, Any]]]:
    """The item in canonical form, or the problems with it (`{index, field, error}`)."""
    problems: list[dict[str, Any]] = []

    def bad(name: str, error: str) -> None:
        problems.append({"index": index, "field": name, "error": error})

    if not isinstance(raw, dict):
        bad("", "an object with the result's fields")
        return None, problems
    for name in REQUIRED:
        if raw.get(name) in (None, ""):
            bad(name, "required")
    out: dict[str, Any] = {}
    lims_id = raw.get("lims_id")
    if lims_id not in (None, ""):
        if isinstance(lims_id, bool) or not isinstance(lims_id, str | int):
            bad("lims_id", "the LIMS's id of the result (text)")
        elif len(str(lims_id)) > 100:
            bad("lims_id", "at most 100 characters")
        out["lims_id"] = str(lims_id).strip()
    revision = raw.get("revision")
    if revision not in (None, ""):
        if isinstance(revision, str) and revision.strip().isdigit():
            revision = int(revision.strip())
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            bad("revision", "an integer ≥ 1")
        out["revision"] = revision
    for name, longest in TEXT_FIELDS.items():
        value = raw.get(name)
        if value in (None, ""):
            out[name] = ""
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            bad(name, "text")
        elif len(str(value).strip()) > longest:
            bad(name, f"at most {longest} characters")
        else:
            out[name] = str(value).strip()
    result = raw.get("result")
    number = _number(result)
    if isinstance(number, float):
        out["value"], out["text"] = number, ""
    elif isinstance(result, str) and result.strip():  # a text result ("complies", "< 0.05")
        out["value"], out["text"] = None, result.strip()
    elif result not in (None, ""):
        bad("result", "a number or a text")
    for name in LIMITS:
        limit = _number(raw.get(name))
        if isinstance(limit, str):
            bad(name, limit)
        else:
            out[name] = limit
    for low, high in (("spec_low", "spec_high"), ("warn_low", "warn_high")):
        both = isinstance(out.get(low), float) and isinstance(out.get(high), float)
        if both and out[low] > out[high]:
            bad(high, f"not below {low}")
    for name in ("sampled_at", "captured_at"):
        when = _moment(raw.get(name))
        if isinstance(when, str):
            bad(name, when)
        else:
            out[name] = format_ts(when) if when else None
    verifiers = raw.get("verified_by")
    if verifiers in (None, ""):
        out["verified_by"] = []
    elif isinstance(verifiers, str):
        out["verified_by"] = [v.strip() for v in verifiers.split(",") if v.strip()]
    elif isinstance(verifiers, list) and all(isinstance(v, str) for v in verifiers):
        out["verified_by"] = [v.strip() for v in verifiers if v.strip()]
    else:
        bad("verified_by", "a name or a list of names")
    if out.get("retest_of") and out.get("retest_of") == out.get("lims_id"):
        bad("retest_of", "a result is not a retest of itself")
    unknown = set(raw) - {*REQUIRED, *TEXT_FIELDS, *LIMITS, "sampled_at", "captured_at",
                          "verified_by", "result"}  # fmt: skip
    for name in sorted(unknown):
        bad(name, "not a result field")
    if problems:
        return None, problems
    return Item(index, out, content_sha256(out)), problems


def content_sha256(fields: dict[str, Any]) -> str:
    """The digest of a result's content, its revision left out: a replay has the same, and a
    pulled analysis that did not change has its latest revision's."""
    content = {k: v for k, v in fields.items() if k != "revision"}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _check_batches(items: list[Item], problems: list[dict[str, Any]]) -> None:
    """Each item's batch exists, and its unit is the one its master record's test names."""
    numbers = {i.fields["batch_number"] for i in items}
    batches = {
        b.batch_number: b
        for b in Batch.objects.filter(batch_number__in=numbers).select_related("master_record")
    }
    ids = {i.fields["sample_id"] for i in items}
    samples = dict(
        Sample.objects.filter(sample_id__in=ids).values_list("sample_id", "batch__batch_number")
    )
    for item in items:
        number = item.fields["batch_number"]
        batch = batches.get(number)
        if batch is None:
            problems.append({"index": item.index, "field": "batch_number",
                             "error": f"no batch {number}"})  # fmt: skip
            continue
        item.batch = batch
        known = samples.get(item.fields["sample_id"])
        if known is not None and known != number:
            error = f"sample {item.fields['sample_id']} is of batch {known}"
            problems.append({"index": item.index, "field": "sample_id", "error": error})
        record = batch.master_record
        for test in record.lims_tests:
            expected = test.get("unit") or ""
            if test.get("test") == item.fields["test"] and expected != item.fields["unit"]:
                error = (f"{item.fields['test']} is in {expected or 'no unit'} in {record.code} "
                         f"v{record.version}")  # fmt: skip
                problems.append({"index": item.index, "field": "unit", "error": error})


def _people(names: list[str]) -> dict[str, str]:
    """The LIMS names that are Ledgerline usernames (kept as given otherwise)."""
    found = User.objects.filter(username__in=[n for n in names if n])
    return {u.username: u.username for u in found}


def check_results(raws: list[Any]) -> list[Item]:
    """The items in canonical form, or 422 naming every invalid item's index and field (an
    unknown batch, a unit other than the master record's test's, a sample of another batch
    among them). Reads only."""
    items: list[Item] = []
    problems: list[dict[str, Any]] = []
    for index, raw in enumerate(raws):
        item, found = normalise(index, raw)
        problems += found
        if item is not None:
            items.append(item)
    twice = _repeated([(i.fields["lims_id"], i.fields["revision"]) for i in items])
    for item in items:
        if (item.fields["lims_id"], item.fields["revision"]) in twice:
            error = "the same lims_id and revision twice in one request"
            problems.append({"index": item.index, "field": "revision", "error": error})
    _check_batches(items, problems)
    if problems:
        problems.sort(key=lambda p: (p["index"], p["field"]))
        raise Unprocessable(f"{len({p['index'] for p in problems})} result(s) cannot be stored: "
                            "see items.", items=problems)  # fmt: skip
    return items


def outcomes(items: list[Item]) -> tuple[dict[tuple[str, int], Result], list[dict[str, Any]]]:
    """What is stored of the items' keys already, and the items whose key holds other content
    (the 409's items)."""
    existing = _existing([(i.fields["lims_id"], i.fields["revision"]) for i in items])
    conflicts = []
    for i in items:
        lims_id, revision = i.fields["lims_id"], i.fields["revision"]
        before = existing.get((lims_id, revision))
        if before is not None and before.content_sha256 != i.sha256:
            conflicts.append({
                "index": i.index, "lims_id": lims_id, "revision": revision,
                "detail": "stored already with other content: send the change as a new revision",
            })  # fmt: skip
        elif before is None:
            earlier = [r for (lid, rev), r in existing.items() if lid == lims_id and rev < revision]
            if earlier:
                last = max(earlier, key=lambda r: r.revision)
                why = status_move_problem(last.status, i.fields["status"])
                if why:
                    detail = f"revision {last.revision} is {last.status}: {why}"
                    conflicts.append({"index": i.index, "lims_id": lims_id,
                                      "revision": revision, "detail": detail})  # fmt: skip
    return existing, conflicts


def store_results(*, actor: Any, raws: list[Any], source: str = Source.PUSH) -> Stored:
    """Store the results (atomically): 422 for any invalid item, 409 for a key stored with
    other content; each (`lims_id`, `revision`) already stored with the same content is a
    replay and stores nothing."""
    items = check_results(raws)
    try:
        return _store(actor, items, source)
    except _Raced:  # a parallel request stored some of them: they are replays now
        return _store(actor, items, source)


class _Raced(Exception):
    """A parallel request stored a result or sample of this one meanwhile."""


def _store(actor: Any, items: list[Item], source: str) -> Stored:
    stored = Stored()
    with transaction.atomic(), audit_context(actor=actor, reason="as the LIMS reported it"):
        existing, conflicts = outcomes(items)
        if conflicts:
            raise Conflict(f"{len(conflicts)} result(s) were stored before with other content.",
                           items=conflicts)  # fmt: skip
        people = _people([i.fields["analyst"] for i in items]
                         + [v for i in items for v in i.fields["verified_by"]])  # fmt: skip
        new = [i for i in items if (i.fields["lims_id"], i.fields["revision"]) not in existing]
        created = _create(new, actor, source, people)
        for item in items:
            key = (item.fields["lims_id"], item.fields["revision"])
            if key in created:
                stored.outcomes.append(Outcome(*key, "created", created[key]))
                if created[key].oos:
                    _raise_oos(actor, item, created[key])
            else:
                stored.outcomes.append(Outcome(*key, "replayed", existing[key]))
    return stored


def _repeated(keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
    seen: set[tuple[str, int]] = set()
    twice: set[tuple[str, int]] = set()
    for key in keys:
        (twice if key in seen else seen).add(key)
    return twice


def _existing(keys: list[tuple[str, int]]) -> dict[tuple[str, int], Result]:
    found: dict[tuple[str, int], Result] = {}
    ids = {k[0] for k in keys}
    for result in Result.objects.filter(lims_id__in=ids).select_related("sample__batch"):
        found[(result.lims_id, result.revision)] = result
    return found


def _create(
    items: list[Item], actor: Any, source: str, people: dict[str, str]
) -> dict[tuple[str, int], Result]:
    """The new results, their new samples and what the LIMS says now of known samples, each
    in one statement (a result file of 10,000 rows is three INSERTs, not 20,000)."""
    samples = _samples(items)
    made = [
        Result(
            sample=samples[f["sample_id"]], sampled_at=_moment(f["sampled_at"]),
            sampling_point=f["sampling_point"], lims_id=f["lims_id"], revision=f["revision"],
            test=f["test"], value=f.get("value"), text=f.get("text", ""), unit=f["unit"],
            spec_low=f["spec_low"], spec_high=f["spec_high"], warn_low=f["warn_low"],
            warn_high=f["warn_high"], status=f["status"], analyst=f["analyst"],
            verified_by=f["verified_by"], analyst_user=people.get(f["analyst"], ""),
            verifier_users=[people[v] for v in f["verified_by"] if v in people],
            method=f["method"], instrument=f["instrument"], retest_of=f["retest_of"],
            captured_at=_moment(f["captured_at"]), source=source, content_sha256=item.sha256,
            received_by=actor_identity(actor)[1],
        )
        for item in items
        for f in (item.fields,)
    ]  # fmt: skip
    try:
        with transaction.atomic():
            Result.objects.bulk_create(made, batch_size=2000)
    except IntegrityError as exc:  # stored by a parallel request a moment ago
        raise _Raced from exc
    return {(r.lims_id, r.revision): r for r in made}


def _samples(items: list[Item]) -> dict[str, Sample]:
    """The items' samples: known ones updated where the LIMS says more now (an empty field
    changes nothing), new ones created."""
    ids = {i.fields["sample_id"] for i in items}
    found = {s.sample_id: s for s in Sample.objects.filter(sample_id__in=ids)}
    new: dict[str, Sample] = {}
    for item in items:
        f = item.fields
        given = {"sampled_at": _moment(f["sampled_at"]), "sampling_point": f["sampling_point"],
                 "status": f["sample_status"]}  # fmt: skip
        sample = found.get(f["sample_id"])
        if sample is None:
            new.setdefault(f["sample_id"], Sample(sample_id=f["sample_id"], batch=item.batch,
                                                  **given))  # fmt: skip
            continue
        changed = [k for k, v in given.items() if v and getattr(sample, k) != v]
        for name in changed:
            setattr(sample, name, given[name])
        if changed:
            sample.save(update_fields=changed)
    try:
        with transaction.atomic():
            Sample.objects.bulk_create(list(new.values()), batch_size=2000)
    except IntegrityError as exc:
        raise _Raced from exc
    return found | new


def _raise_oos(actor: Any, item: Item, result: Result) -> None:
    """One `oos` deviation per LIMS result (its later revisions do not raise another)."""
    batch = item.batch
    assert batch is not None
    limits = f"[{_fmt(result.spec_low)}, {_fmt(result.spec_high)}]"
    when = result.sample.sampled_at or result.captured_at or timezone.now()
    ebr_services.deviation_raise(
        actor=actor, line=batch.line.code, batch_number=batch.batch_number, kind="oos",
        severity="major", start=when,
        description=f"{result.test} of sample {result.sample.sample_id}: {_fmt(result.value)} "
                    f"{result.unit} outside its specification {limits} (LIMS {result.lims_id} "
                    f"revision {result.revision})",
        details={"lims_id": result.lims_id, "revision": result.revision,
                 "value": result.value, "spec_low": result.spec_low,
                 "spec_high": result.spec_high},
        source_key=f"lims-oos:{result.lims_id}",
    )  # fmt: skip


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def next_revision(lims_id: str) -> int:
    latest = Result.objects.filter(lims_id=lims_id).aggregate(Max("revision"))["revision__max"]
    return int(latest or 0) + 1
