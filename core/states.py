"""Explicit state machines: a transition table per model; an illegal move is a 409.

STYLE.md: "Status changes are explicit state machines with an allowed-transition table".
A model declares its table once (`StateMachine({...})`) and every service moves a record
with `machine.move(record, target)`; nothing assigns a status directly. The API answers an
illegal move with 409 `{"error": "conflict", "detail", "current_status",
"allowed_statuses": [...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from core.errors import Conflict


class IllegalTransition(Conflict):
    """409: the record's status does not allow the move asked for."""

    def __init__(self, *, what: str, current: str, target: str, allowed: list[str]) -> None:
        options = ", ".join(allowed) if allowed else "none (it is final)"
        super().__init__(
            f"{what} is {current}: it cannot become {target} (allowed from here: {options})."
        )
        self.extra = {"current_status": current, "allowed_statuses": allowed}


@dataclass(frozen=True)
class StateMachine:
    """`transitions` maps each status to the statuses it may move to; `field` is the
    attribute that holds it."""

    transitions: Mapping[str, Set[str]]
    field: str = "status"

    def allowed(self, current: str) -> list[str]:
        return sorted(self.transitions.get(current, set()))

    def check(self, record: Any, target: str) -> None:
        current = str(getattr(record, self.field))
        if target not in self.transitions.get(current, set()):
            raise IllegalTransition(
                what=f"{type(record).__name__} {getattr(record, 'pk', '')}".strip(),
                current=current,
                target=target,
                allowed=self.allowed(current),
            )

    def move(self, record: Any, target: str) -> None:
        """Check the move, then set the status (the caller saves, in its audited service)."""
        self.check(record, target)
        setattr(record, self.field, target)


@dataclass(frozen=True)
class Blocker:
    """Why something (a release, a disposition) cannot happen yet: listed in a 409's `items`."""

    kind: str
    ref: str
    detail: str

    def as_item(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}
