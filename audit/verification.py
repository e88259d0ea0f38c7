"""Verification from the database: the same Verifier the standalone script runs."""

from __future__ import annotations

from collections.abc import Callable

from audit.chain import chain_head
from audit.export import check_rows, header, iter_event_rows, iter_side_items, snapshot
from audit.keys import key_dir, load_key
from audit.verify import PARALLEL_FROM, Result, checked_segments, verify_parts


def trusted_public_keys() -> list[str]:
    """The server's own keys (their private halves are in the key directory)."""
    directory = key_dir()
    if not directory.is_dir():
        return []
    return [load_key(path.stem).public_pem for path in sorted(directory.glob("*.pem"))]


def verify_database(
    progress: Callable[[int], None] | None = None, *, parallel: bool | None = None
) -> Result:
    """Chain, signatures, checkpoints and the state of every audited row, in one snapshot.

    Events are re-hashed in worker processes when the chain is long.
    """
    with snapshot():
        head = header()
        if parallel is None:
            parallel = chain_head()[0] >= PARALLEL_FROM
        segments = checked_segments(iter_event_rows(progress), check_rows, parallel)
        return verify_parts(head, segments, iter_side_items, trusted_public_keys())
