"""Equipment levels made on the way to a tag are safe against a concurrent request making the
same level: the one that loses the race uses the node the other made, it is not refused."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from accounts import roles as R
from historian import services
from historian.models import Equipment, Tag


@pytest.mark.django_db
def test_a_level_made_meanwhile_is_used_not_refused(
    make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engineer = make_user(R.PROCESS_ENGINEER)
    services.equipment_ensure(actor=engineer, path="L8")
    real = Equipment.objects.filter

    class Stale:
        """The read before the insert missed L8: a concurrent request made it just after."""

        def __init__(self, qs: Any, stale: bool) -> None:
            self.qs, self.stale = qs, stale

        def first(self) -> Any:
            return None if self.stale else self.qs.first()

    monkeypatch.setattr(
        Equipment.objects, "filter", lambda **kw: Stale(real(**kw), kw.get("path") == "L8")
    )
    tag = services.tag_create(actor=engineer, name="L8.UNIT.T", equipment="L8/UNIT")
    monkeypatch.undo()
    assert tag.equipment.path == "L8/UNIT"
    assert Equipment.objects.filter(path="L8").count() == 1


@pytest.mark.django_db(transaction=True)
def test_tags_under_one_new_line_created_at_once(make_user: Any) -> None:
    engineer = make_user(R.PROCESS_ENGINEER)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            start.wait()
            services.tag_create(actor=engineer, name=f"L9.U{i}.T", equipment=f"L9/U{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Tag.objects.filter(name__startswith="L9.").count() == 6
    assert Equipment.objects.filter(path="L9").count() == 1
