"""Reads computed once per object: a page or an API answer asks several sections for the same
derived data of one record (its step states, its deviations); the first asks, the rest reuse.
Only read paths use it: writers lock a record and read it afresh, on a new object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def once_per(obj: Any, name: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time this object is asked for `name`; its result afterwards."""
    kept: dict[str, Any] = obj.__dict__
    if name not in kept:
        kept[name] = compute()
    result: T = kept[name]
    return result
