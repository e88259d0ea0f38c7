"""A progress bar over the chain for the long audit commands (on stderr, so stdout stays
the contract's one line)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

from audit.chain import chain_head


@contextmanager
def chain_progress(*, quiet: bool) -> Iterator[Callable[[int], None]]:
    """Yields `progress(events_done)`; the bar closes when the block ends."""
    total, _ = chain_head()
    bar = tqdm(total=total, unit="event", disable=quiet or not total, file=sys.stderr, leave=False)
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        bar.update(count - done)
        done = count

    try:
        yield progress
    finally:
        bar.close()
