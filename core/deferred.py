"""Work that must survive the rollback of a refused request.

A refused request stores no GxP data, but its security event (a failed
signing, a rejected ingest) must be recorded, as must the failure's count
towards the lockout. Such work is attached to the exception and run after the
caller's transaction has rolled back, in a transaction of its own — never on a
second connection while the first holds the chain lock (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

Action = Callable[[], Any]


def in_caller_transaction() -> bool:
    """True inside a transaction a caller opened (a test case's own wrapper does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def in_test_case_transaction() -> bool:
    """True inside a test case's own wrapping transaction, which holds every lock its test
    took until the test ends (so lock-order checks cannot tell what the code under test did)."""
    return any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def run_after_rollback(exc: BaseException) -> None:
    """Run the exception's deferred actions now; call only outside the failed transaction."""
    actions: list[Action] = getattr(exc, "after_rollback", None) or []
    if not actions:
        return
    if in_caller_transaction():
        raise RuntimeError("deferred security work must run after the rollback, not inside")
    exc.after_rollback = []  # type: ignore[attr-defined]
    for action in actions:
        action()


def raise_with(exc: BaseException, actions: list[Action]) -> None:
    """Raise `exc` carrying `actions`; outside any transaction they run first, at once."""
    exc.after_rollback = list(actions)  # type: ignore[attr-defined]
    if not in_caller_transaction():
        run_after_rollback(exc)
    raise exc
