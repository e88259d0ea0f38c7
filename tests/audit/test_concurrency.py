"""Concurrent writers neither fork nor gap the chain."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from accounts import roles as R
from audit.context import audit_context
from audit.models import AuditEvent
from tests.audit.helpers import verify_both
from tests.testapp.models import Specimen

WRITERS = 8
WRITES_EACH = 15


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_make_one_unbroken_chain(make_user: Any, tmp_path: Path) -> None:
    users = [make_user(R.PROCESS_ENGINEER, username=f"writer{i}") for i in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(user: Any) -> None:
        try:
            start.wait()
            for n in range(WRITES_EACH):
                with audit_context(actor=user, reason=""):
                    specimen = Specimen.objects.create(name=f"{user.username}-{n}", value=n)
                with audit_context(actor=user, reason="second reading"):
                    Specimen.objects.filter(pk=specimen.pk).update(value=n + 0.5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEvent.objects.filter(table_name="testapp_specimen").count() == (
        2 * WRITERS * WRITES_EACH
    )
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "two events claim the same predecessor: a fork"
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert code == 0, line
    assert s_code == 0, s_line
