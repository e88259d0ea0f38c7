"""Gunicorn, the production application server (`make serve-production`; README, "Production
server"). Every knob from the environment, with defaults for one host:

- LEDGERLINE_BIND (127.0.0.1:8000): where it listens — behind the site's TLS proxy, which sets
  X-Forwarded-Proto (config.settings.production trusts it).
- LEDGERLINE_WORKERS (the host's cores): processes; each holds its own database connection.
- LEDGERLINE_THREADS (1): threads per worker; requests of one worker share its connection
  pool only when above 1.
- LEDGERLINE_TIMEOUT (120 s): a request slower than this is killed (a 400,000-sample ingest
  or a long report takes seconds, not minutes).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

bind = os.environ.get("LEDGERLINE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LEDGERLINE_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("LEDGERLINE_THREADS", "1"))
timeout = int(os.environ.get("LEDGERLINE_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Workers start after the fork: no database connection or key file is shared between them.
preload_app = False
wsgi_app = "config.wsgi:application"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LEDGERLINE_LOG_LEVEL", "info").lower()  # the application's level too
# Request bodies of batch ingest are large; headers are not.
limit_request_line = 8190
limit_request_fields = 100


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded the application, its objects (Django, the apps, their modules)
    are frozen out of reach of Python's cyclic garbage collector, which then also runs less
    often: a request building 10,000 sample items otherwise pays for full collections that
    walk every loaded object — a CSV ingest body took 3.6 µs a row with them, 0.9 µs without
    (`bench/historian/rest.py`, REST figures)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    worker.log.info("%s objects frozen out of the garbage collector", gc.get_freeze_count())
