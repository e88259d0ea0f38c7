"""The status page and `manage.py status` say whether the scheduler runs, when the chain was
last verified and how old the last checkpoint is; QA and auditors see integrity alarms on
every page."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from io import StringIO
from typing import Any, TypeVar

import pytest
from django.core.management import call_command
from django.test import Client
from procrastinate.contrib.django import app as procrastinate_app
from procrastinate.exceptions import AlreadyEnqueued

from accounts import roles as R
from audit.services import create_checkpoint
from tests.audit.test_api_and_pages import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


def in_thread(work: Callable[[], T]) -> T:
    """Run asyncio work (procrastinate's worker) in a thread of its own: in a full run the
    browser tests' Playwright loop is already running in this one."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join(timeout=120)
    assert out, "the work did not finish"
    return out[0]


def status_command() -> str:
    out = StringIO()
    call_command("status", stdout=out)
    return out.getvalue()


def page_of(client: Client, path: str) -> str:
    return client.get(path).content.decode()


async def _worker(action: str, worker_id: int = 0) -> int:
    """Register (or unregister) a worker as procrastinate's own worker does at start."""
    with procrastinate_app.replace_connector(procrastinate_app.connector.get_worker_connector()):  # type: ignore[attr-defined]
        async with procrastinate_app.open_async():
            if action == "register":
                return await procrastinate_app.job_manager.register_worker()
            await procrastinate_app.job_manager.unregister_worker(worker_id)
            return worker_id


def test_the_status_says_whether_the_scheduler_runs(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.AUDITOR))
    assert "not running" in page_of(client, "/status/")
    assert "ALARM                 scheduler not running" in status_command()
    worker = in_thread(lambda: asyncio.run(_worker("register")))
    try:
        page = page_of(client, "/status/")
        assert 'data-testid="scheduler-state"><span class="badge badge-ok">running' in page
        assert "scheduler             running (1 worker(s)" in status_command()
    finally:
        in_thread(lambda: asyncio.run(_worker("unregister", worker)))
    assert "not running" in page_of(client, "/status/")


def test_the_status_shows_the_last_verification_and_the_checkpoint_age(make_user: Any) -> None:
    qa = make_user(R.QA_REVIEWER)
    client = Client()
    client.force_login(qa)
    page = page_of(client, "/status/")
    assert "none yet: <a" in page
    assert "last verification     none yet" in status_command()
    create_checkpoint()
    client.post("/audit/verification/start/")
    in_thread(lambda: run_worker() or True)
    page = page_of(client, "/status/")
    last = page[page.index('data-testid="last-verification"') :]
    assert last.split("</dd>")[0].count("OK") == 1
    age = page[page.index('data-testid="checkpoint-age"') :].split("</dd>")[0]
    assert "minute" in age
    assert "ago" in age
    assert "last verification     OK at" in status_command()


def test_an_overdue_checkpoint_is_an_alarm_on_every_page_for_qa_and_auditors(
    make_user: Any, settings: Any
) -> None:
    settings.CHECKPOINT_MINUTES = 0  # any event not yet checkpointed is overdue
    auditor, operator = make_user(R.AUDITOR), make_user(R.OPERATOR)
    seen = Client()
    seen.force_login(auditor)
    for path in ("/", "/audit/", "/historian/", "/status/"):
        page = page_of(seen, path)
        assert 'data-alarm="checkpoint_overdue"' in page, path
        assert "manage.py audit_checkpoint" in page
    unseen = Client()
    unseen.force_login(operator)
    assert "checkpoint_overdue" not in page_of(unseen, "/")
    settings.CHECKPOINT_MINUTES = 60
    create_checkpoint()
    assert "checkpoint_overdue" not in page_of(seen, "/")


def test_the_status_shows_the_rollup_backlog_and_the_scheduler_drains_it(
    make_user: Any, make_service_account: Any
) -> None:
    from historian.ingest import ingest_samples
    from tests.dbadmin import superuser_cursor
    from tests.factories import TagFactory

    engineer = make_user(R.PROCESS_ENGINEER)
    TagFactory(actor=engineer, name="LX.FLOW", equipment="LX/UNIT")
    account, _ = make_service_account("collector")
    items = [{"tag": "LX.FLOW", "ts": f"2026-03-01T08:{m:02d}:00Z", "value": 1.0} for m in range(3)]
    assert ingest_samples(actor=account, source="t", ingest_key="k", items=items).status == 201
    client = Client()
    client.force_login(make_user(R.AUDITOR))
    backlog = page_of(client, "/status/").split('data-testid="rollup-backlog">')[1]
    assert backlog.startswith('<span class="badge badge-ok">draining</span> 3 minute(s) owed')
    assert "historian rollups     3 minute(s) owed to the drain" in status_command()
    assert client.get("/api/v1/status/").json()["rollups"]["owed_minutes"] == 3
    with superuser_cursor() as cursor:  # as if the drain had not run for ten minutes
        cursor.execute("UPDATE historian_rollup_pending SET queued = now() - interval '10 min'")
    backlog = page_of(client, "/status/").split('data-testid="rollup-backlog">')[1]
    assert backlog.startswith('<span class="badge badge-bad">behind</span> 3 minute(s) owed')
    assert "ALARM                 rollups behind: 3 minute(s) owed, the oldest" in status_command()
    # The scheduler's periodic job drains them (queued here as its periodic deferrer would,
    # unless a worker of an earlier test has queued one already).
    with contextlib.suppress(AlreadyEnqueued):
        procrastinate_app.configure_task("historian.drain_rollups").defer(timestamp=0)
    with procrastinate_app.replace_connector(procrastinate_app.connector.get_worker_connector()):  # type: ignore[attr-defined]
        drain = procrastinate_app.run_worker
        in_thread(lambda: drain(queues=["default"], wait=False, install_signal_handlers=False) or 1)
    backlog = page_of(client, "/status/").split('data-testid="rollup-backlog">')[1]
    assert backlog.startswith('<span class="badge badge-ok">current</span>')
    assert "historian rollups     0 minute(s) owed to the drain" in status_command()
