"""The audit context: who is acting, why, and for which request.

Every write to an audited table happens inside one. It sets transaction-local
settings (`SET LOCAL` through `set_config(..., true)`) that the capture
triggers read; a write without them is refused by the database. Leaving the
context seals the transaction's events into the chain.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from audit.actors import AnyActor, actor_identity
from audit.chain import seal_pending
from core.request_context import current_request_id

SETTINGS = ("ledgerline.actor_id", "ledgerline.actor", "ledgerline.reason", "ledgerline.request_id")


EMPTY = ("", "", "", "")
# The contexts open on this thread, innermost last, so that leaving one hands
# back to the one around it without asking the database.
_stack: contextvars.ContextVar[tuple[tuple[str, ...], ...]] = contextvars.ContextVar(
    "audit_context_stack", default=()
)


def _apply(values: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in SETTINGS),
            [item for pair in zip(SETTINGS, values, strict=True) for item in pair],
        )


@contextmanager
def audit_context(
    *, actor: AnyActor, reason: str = "", request_id: str | None = None
) -> Iterator[None]:
    """Attribute every audited write inside to `actor`, with `reason`.

    Opens a transaction when none is open. Nested contexts take over for their
    block and hand back to the outer one after it; when the caller's own
    transaction goes on after the outermost context, it goes on without one.
    The events written inside are sealed when the block ends without an error.
    """
    actor_id, username = actor_identity(actor)
    values = (
        "" if actor_id is None else str(actor_id),
        username,
        reason.strip(),
        request_id if request_id is not None else current_request_id(),
    )
    caller_transaction = connection.in_atomic_block
    stack = _stack.get()
    with transaction.atomic():
        _apply(values)
        token = _stack.set((*stack, values))
        try:
            yield
            seal_pending()
        finally:
            _stack.reset(token)
        if stack:
            _apply(stack[-1])
        elif caller_transaction:
            _apply(EMPTY)
