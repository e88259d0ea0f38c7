"""Feeds (API.md `feeds/`): a released lot charged to a feeder of a line from a moment, open
until its end or the next feed on that feeder. Audited; a replay of the same feed stores
nothing and answers the stored one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.context import audit_context
from core.errors import Conflict
from ebr.errors import EbrError
from ebr.models import Feed, Line, MaterialLot
from ebr.selectors import line_feeders
from ebr.services.fields import moment
from ebr.services.lines_and_lots import lot_check_usable

# A feed records what was fed: a start this far ahead of the server's clock is a mistake.
FUTURE_SLACK = timedelta(minutes=5)


def feed_charge(
    *, actor: Any, line: Line, feeder: Any, material: Any, lot: Any, start: Any, end: Any = None
) -> tuple[Feed, bool]:
    """(the feed, created): a new feed, or the stored one when this is a replay of it."""
    problems: dict[str, str] = {}
    feeders = line_feeders(line)
    if feeder not in feeders:
        problems["feeder"] = f"one of line {line}'s feeders: {', '.join(feeders) or 'none'}"
    for name, value in (("material", material), ("lot", lot)):
        if not isinstance(value, str) or not value.strip():
            problems[name] = "required"
    begins = moment(start, "start", problems)
    if begins is None and "start" not in problems:
        problems["start"] = "required: when the lot began to be fed"
    ends = moment(end, "end", problems)
    if begins and ends and ends <= begins:
        problems["end"] = "after start"
    if begins and begins > timezone.now() + FUTURE_SLACK:
        problems["start"] = "in the future: a feed records what was fed"
    found = None
    if isinstance(material, str) and isinstance(lot, str) and "lot" not in problems:
        found = MaterialLot.objects.filter(material=material.strip(), lot=lot.strip()).first()
        if found is None:
            problems["lot"] = f"no lot {lot.strip()} of {material.strip()}: create it first"
    if problems or found is None or begins is None:
        raise EbrError("The feed is not valid: see fields.", fields=problems)
    lot_check_usable(found, begins)  # 409: not released, or expired when the feed began
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        stored = Feed.objects.filter(line=line, feeder=feeder, start=begins).first()
        if stored is None:
            try:
                with transaction.atomic():
                    feed = Feed.objects.create(line=line, feeder=feeder, lot=found, start=begins,
                                               end=ends, recorded_by=actor)  # fmt: skip
                    return feed, True
            except IntegrityError:  # a parallel request stored a feed at this moment
                stored = Feed.objects.filter(line=line, feeder=feeder, start=begins).first()
        if stored is None:  # pragma: no cover - the constraint named it, so it exists
            raise Conflict("The feed could not be stored: send it again.")
    if stored.lot_id != found.pk or stored.end != ends:
        raise Conflict(
            f"{line}/{feeder} has a feed from {begins.isoformat()} already: lot {stored.lot}"
            f"{' until ' + stored.end.isoformat() if stored.end else ''}. A feed is not "
            "changed; record the next one from the moment the lot changed."
        )
    return stored, False
