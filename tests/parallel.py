"""Requests at once: each call in its own thread, released together by a barrier, each thread
closing its database connection when done. The statuses come back sorted."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once(calls: list[Callable[[], int]]) -> list[int]:
    start = threading.Barrier(len(calls))
    statuses: list[int] = []

    def go(call: Callable[[], int]) -> None:
        try:
            start.wait()
            statuses.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)
