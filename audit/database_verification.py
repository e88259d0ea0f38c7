"""Verification from the database: the same Verifier the standalone script runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.chain import chain_head
from audit.export import check_rows, header, iter_event_rows, iter_side_items, snapshot
from audit.keys import key_dir, load_key
from audit.verify import PARALLEL_FROM, Result, checked_segments, verify_parts
from audit.witness import chain_identity, configured_journals, witness_dirs


def trusted_public_keys() -> list[str]:
    """The server's own keys (their private halves are in the key directory)."""
    directory = key_dir()
    if not directory.is_dir():
        return []
    return [load_key(path.stem).public_pem for path in sorted(directory.glob("*.pem"))]


def verify_database(
    progress: Callable[[int], None] | None = None,
    *,
    parallel: bool | None = None,
    witness: list[tuple[str, list[dict[str, Any]]]] | None = None,
) -> Result:
    """Chain, signatures, checkpoints, catalogue, account locks and the state of every audited
    row, in one snapshot, and the chain against the configured witness journal.

    Events are re-hashed in worker processes when the chain is long.
    """
    with snapshot():
        head = header()
        if parallel is None:
            parallel = chain_head()[0] >= PARALLEL_FROM
        journals = witness if witness is not None else configured_journals(chain_identity())
        segments = checked_segments(iter_event_rows(progress), check_rows, parallel)
        result = verify_parts(
            head, segments, iter_side_items, trusted_public_keys(), witness=journals
        )
    if journals is None:
        result.anchoring = (
            f"not anchored: no witness journal in {witness_dirs()[0]} yet "
            "(the next checkpoint starts it)"
        )
    return result
