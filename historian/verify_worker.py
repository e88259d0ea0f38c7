"""A historian_verify worker process (spawned: a fresh interpreter). Kept free of Django imports
at the top, since a spawned worker imports this module before Django is set up."""

from __future__ import annotations

import os
from typing import Any


def start(database: dict[str, Any], snapshot_id: str, settings_module: str) -> None:
    """Django set up on the parent's database, and one transaction left open in the parent's
    exported snapshot for every task this worker runs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.conf import settings
    from django.db import connection

    django.setup()
    settings.DATABASES["default"].update(database)
    connection.settings_dict.update(database)
    connection.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot_id])


def check(batches: list[Any], tags: dict[int, tuple[str, str]], in_chain: dict[int, str]) -> Any:
    from historian.verification import check_batches

    return check_batches(batches, tags, in_chain)
