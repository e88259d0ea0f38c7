"""One ingest stream of the historian benchmark, run in a spawned process (a fresh
interpreter): kept free of Django imports at the top, since the process imports this module
before Django is set up."""

from __future__ import annotations

import os
import time
from typing import Any


def stream(
    database: dict[str, Any],
    tags: list[str],
    account_id: int,
    key: str,
    first_second: int,
    batches: int,
    size: int,
    barrier: Any,
) -> tuple[float, float]:
    """Ingest `batches` requests of `size` samples of `tags` through the ingest service, each
    batch starting when every stream is ready; (wall-clock start, end) of the ingest."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings
    from django.db import connection

    django.setup()
    settings.DATABASES["default"].update(database)
    connection.settings_dict.update(database)
    from accounts.models import User
    from bench.historian.common import time_ordered_items
    from historian.ingest import ingest_samples

    account = User.objects.get(pk=account_id)
    prepared = [
        time_ordered_items(tags, first_second + k * size // len(tags), size) for k in range(batches)
    ]
    barrier.wait()
    started = time.time()
    for k, items in enumerate(prepared):
        result = ingest_samples(actor=account, source="bench", ingest_key=f"{key}{k}", items=items)
        assert result.status == 201, result.body
    ended = time.time()
    connection.close()
    return started, ended
