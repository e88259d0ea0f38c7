"""Verification from the database: the same Verifier the standalone script runs."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from audit.export import header, iter_events, iter_side_items, snapshot
from audit.keys import key_dir, load_key
from audit.verify import Result, verify_items


def trusted_public_keys() -> list[str]:
    """The server's own keys (their private halves are in the key directory)."""
    directory = key_dir()
    if not directory.is_dir():
        return []
    return [load_key(path.stem).public_pem for path in sorted(directory.glob("*.pem"))]


def verify_database(progress: Callable[[int], None] | None = None) -> Result:
    """Chain, signatures, checkpoints and the state of every audited row, in one snapshot."""
    with snapshot():
        head = header()
        items = itertools.chain(iter_events(progress), iter_side_items())
        keys = trusted_public_keys()
        return verify_items(head, items, keys)
