"""The outcome of a verification: its failures (in chain order) and its notes."""

from __future__ import annotations

from dataclasses import dataclass, field

UNPLACED = float("inf")  # failures that no event can be named for sort last


@dataclass(order=True)
class Failure:
    sort_key: float
    seq: int = field(compare=False)
    message: str = field(compare=False)
    # A break of the chain itself (missing, altered, moved): when there is one, the first
    # line names the first break, since what the broken chain says cannot be trusted.
    chain: bool = field(default=False, compare=False)

    def line(self) -> str:
        return f"FAIL event {self.seq}: {self.message}"


@dataclass
class Result:
    events: int
    head: str
    failures: list[Failure]
    notes: list[str]
    anchoring: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def anchored(self) -> bool:
        return self.anchoring.startswith("anchored")

    @property
    def first(self) -> Failure | None:
        breaks = [f for f in self.failures if f.chain]
        return min(breaks or self.failures) if self.failures else None

    def line(self) -> str:
        first = self.first
        return first.line() if first else f"OK {self.events} events head {self.head}"

    def others(self) -> list[Failure]:
        """Every failure after the first, in chain order."""
        ordered = sorted(self.failures)
        first = self.first
        return [f for f in ordered if f is not first]
