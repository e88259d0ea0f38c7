"""RTD models per line and feeder (API.md `rtd-models/`): each change a new version, effective
from a moment, with a reason; the parameters checked by the model itself (ebr.rtd)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from audit.context import audit_context
from core.errors import Conflict
from ebr.errors import EbrError
from ebr.models import Line, RtdModelVersion
from ebr.rtd import check
from ebr.selectors import line_feeders
from ebr.services.fields import moment


def rtd_model_create(
    *,
    actor: Any,
    line: Line,
    feeder: Any,
    model: Any,
    tau_s: Any,
    reason: Any,
    n: Any = None,
    peclet: Any = None,
    boundary: Any = "closed",
    delay_s: Any = 0.0,
    effective_from: Any = None,
) -> RtdModelVersion:
    """The next version of the feeder's model, effective from `effective_from` (default now)."""
    problems: dict[str, str] = {}
    if feeder not in line_feeders(line):
        problems["feeder"] = f"one of line {line}'s feeders: {', '.join(line_feeders(line))}"
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "say why the model is what it is (a fit, a test report)"
    when = moment(effective_from, "effective_from", problems) or timezone.now()
    problems.update(check(model, tau_s, n=n, peclet=peclet, boundary=boundary or "closed",
                          delay_s=delay_s or 0.0))  # fmt: skip
    if problems:
        raise EbrError("The RTD model is not valid: see fields.", fields=problems)
    with transaction.atomic(), audit_context(actor=actor, reason=reason.strip()):
        latest = RtdModelVersion.objects.filter(line=line, feeder=feeder).aggregate(Max("version"))
        try:
            with transaction.atomic():
                return RtdModelVersion.objects.create(
                    line=line, feeder=feeder, version=(latest["version__max"] or 0) + 1,
                    model=model, n=n if model == "tanks_in_series" else None,
                    peclet=peclet if model == "axial_dispersion" else None,
                    boundary=(boundary or "closed") if model == "axial_dispersion" else "closed",
                    tau_s=float(tau_s), delay_s=float(delay_s or 0.0), effective_from=when,
                    reason=reason.strip(), author=actor,
                )  # fmt: skip
        except IntegrityError as exc:  # a parallel request took this version number
            raise Conflict(f"{line}/{feeder} got a new version meanwhile: send it again.") from exc
