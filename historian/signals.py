"""What the historian announces to higher apps, which never import it upward: a batch record
checks its CPPs when samples of its tags arrive (DESIGN.md, "Architecture").

`samples_stored` is sent once an ingest has committed, with `ingest_id`, `tags` (names of
the tags that got new samples), `start` and `end` (the earliest and latest new sample's
time, UTC). A replay or a refused ingest stores nothing and announces nothing.
"""

from __future__ import annotations

from django.dispatch import Signal

samples_stored = Signal()
