"""The one ingest service: REST, the simulator and collectors all call `ingest_samples`.

Checks run in the order of API.md: a key already used with a different request
→ 409 `idempotency_mismatch`; invalid items → 422; conflicts with stored data
→ 409 `conflict`. Then the samples are written with COPY: optimistically
straight into the hypertable, and only when the unique (tag, ts) index objects
through a staging table that tells duplicates (counted, not stored again) from
conflicts (nothing stored). One ingest batch row — and so one audit event,
carrying the digest — per request; the touched minutes owed to the rollups (the database
records them; historian.rollups drains them in the background).

The package: samples.py checks and types the items, service.py runs the checks in order and
records rejections, writer.py stores what was accepted, csv_body.py reads CSV bodies.
"""

from __future__ import annotations

from historian.ingest.csv_body import csv_items
from historian.ingest.samples import coerce_value
from historian.ingest.service import IngestResult, ingest_samples

__all__ = ["IngestResult", "coerce_value", "csv_items", "ingest_samples"]
