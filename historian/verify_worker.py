"""A historian_verify worker process (spawned: a fresh interpreter) is started here. Kept free
of Django imports at the top, since a spawned worker imports this module before Django is set
up; the tasks (historian.verification.check_batches) arrive after it is."""

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
