"""The rollups' drain: minutes owed to the rollups, recomputed off the ingest's critical path.

Every statement that stores samples records the (tag, minute) pairs it touched as owed
(historian_rollup_pending, written by the database's permit trigger; historian/frozen/v2.py).
`drain` hands a chunk of them to the database's drain function, which recomputes them
through the one rollup writer in its own transaction; the background queue calls it every
few seconds (historian/tasks.py) and `drain_all` empties the backlog (the demo's seed, the
benchmarks, tests). Reads never wait for it: an owed minute is recomputed from its samples
by the read itself (historian/sql/rollups.py `live_minutes`), so answers are exact at any backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

# Minutes recomputed per drain transaction: a few hundred milliseconds of work, so the
# drain's row locks on the rollups are short.
DRAIN_CHUNK = 5000


@dataclass(frozen=True)
class Backlog:
    minutes: int  # (tag, minute) pairs owed
    oldest: datetime | None  # when the oldest of them was stored


def drain(max_minutes: int = DRAIN_CHUNK) -> int:
    """Recompute up to `max_minutes` owed minutes (and their hours); how many were."""
    if max_minutes <= 0:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT historian_drain_rollups(%s)", [max_minutes])
        return int(cursor.fetchone()[0])


def drain_all(progress: Callable[[int], object] | None = None) -> int:
    """Drain until nothing is owed (what was stored meanwhile included); minutes drained."""
    total = 0
    while done := drain():
        total += done
        if progress is not None:
            progress(done)
    return total


def backlog() -> Backlog:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), min(queued) FROM "
            "(SELECT min(queued) AS queued FROM historian_rollup_pending GROUP BY tag_id, bucket) o"
        )
        minutes, oldest = cursor.fetchone()
    return Backlog(int(minutes), oldest)
