"""The people a benchmark suite acts as: an engineer, a QA reviewer, an operator and a
supervisor who can sign, and a collector (a service account), named with the suite's prefix
so that suites sharing a database do not meet."""

from __future__ import annotations

from typing import Any

PASSWORD = "bench-password-9f3a"


def bench_people(prefix: str) -> dict[str, Any]:
    """`{prefix}-eng`, `-qa`, `-op`, `-sup` and `collector` (the service account)."""
    from accounts import roles as R
    from accounts.services import service_account_create, user_create
    from audit.actors import SystemActor
    from audit.context import audit_context

    actor = SystemActor("system:bench")
    people: dict[str, Any] = {}
    for name, role in (("eng", R.PROCESS_ENGINEER), ("qa", R.QA_REVIEWER),
                       ("op", R.OPERATOR), ("sup", R.SUPERVISOR)):  # fmt: skip
        username = f"{prefix}-{name}"
        user, _ = user_create(actor=actor, username=username, full_name=username, roles=[role],
                              reason="bench")  # fmt: skip
        with audit_context(actor=actor, reason="bench"):
            user.set_password(PASSWORD)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
        people[username] = user
    people["collector"] = service_account_create(
        actor=actor, username=f"{prefix}-collector", full_name="collector", reason="bench"
    )
    return people


def sign(username: str, meaning: str) -> Any:
    """The person's signature request (the suite's people share one password)."""
    from audit.signing import SignatureRequest

    return SignatureRequest(username=username, password=PASSWORD, meaning=meaning, reason="bench")


def effective_master(people: dict[str, Any], prefix: str, line: str, **definition: Any) -> Any:
    """A master record of `line` written by the suite's engineer, approved and made effective
    by its QA reviewer (signed)."""
    from ebr import services

    engineer, qa = people[f"{prefix}-eng"], people[f"{prefix}-qa"]
    record = services.master_create(actor=engineer, product="P", title="T", line=line,
                                    **definition)  # fmt: skip
    record = services.master_transition(actor=engineer, record=record, status="in_review",
                                        reason="bench")  # fmt: skip
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        signature = sign(f"{prefix}-qa", meaning)
        record = services.master_transition(actor=qa, record=record, status=status,
                                            reason="bench", signature=signature)  # fmt: skip
    return record


def median(call: Any, runs: int = 5) -> float:
    """The median time of `runs` calls (seconds), after one call that warms caches."""
    import statistics
    import time

    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
