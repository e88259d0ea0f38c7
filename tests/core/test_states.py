"""State machines: a transition table per model; an illegal move is a 409 that says where the
record stands and where it may go."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import VerificationRun
from audit.verification_runs import verification_execute
from core.api.exceptions import exception_handler
from core.states import Blocker, IllegalTransition, StateMachine

LAMP = StateMachine({"off": {"on"}, "on": {"off", "broken"}})


class Lamp:
    pk = 7
    status = "off"


def test_a_legal_move_sets_the_status_and_an_illegal_one_changes_nothing() -> None:
    lamp = Lamp()
    LAMP.move(lamp, "on")
    assert lamp.status == "on"
    LAMP.move(lamp, "broken")
    with pytest.raises(IllegalTransition) as refused:
        LAMP.move(lamp, "on")
    assert lamp.status == "broken"
    assert refused.value.extra == {"current_status": "broken", "allowed_statuses": []}
    assert "it is final" in str(refused.value)


def test_the_api_answers_an_illegal_move_with_409_and_the_allowed_statuses() -> None:
    lamp = Lamp()
    with pytest.raises(IllegalTransition) as refused:
        LAMP.move(lamp, "broken")
    response = exception_handler(refused.value, {})
    assert response is not None
    assert response.status_code == 409
    assert response.data == {
        "error": "conflict",
        "detail": "Lamp 7 is off: it cannot become broken (allowed from here: on).",
        "current_status": "off",
        "allowed_statuses": ["on"],
    }


def test_blockers_are_items_of_kind_ref_and_detail() -> None:
    blocker = Blocker("deviation", "DEV-0007", "open deviation")
    assert blocker.as_item() == {"kind": "deviation", "ref": "DEV-0007", "detail": "open deviation"}


@pytest.mark.django_db
def test_a_finished_verification_run_is_not_run_again(make_user: Any) -> None:
    run = VerificationRun.objects.create(requested_by="system:test")
    verification_execute(run.pk)
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.OK
    with pytest.raises(IllegalTransition):
        verification_execute(run.pk)  # a task delivered twice
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.OK
