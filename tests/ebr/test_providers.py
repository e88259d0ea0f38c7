"""Higher apps contribute a batch's release blockers, review exceptions and detail sections
through ebr's provider registries, which ebr asks without importing them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.states import Blocker
from ebr import providers
from ebr.providers import ReviewException, Section


class Batch:
    number = "B-001"


@pytest.fixture(autouse=True)
def registries_of_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty registries (the batch records' own providers are set aside): this module tests
    the mechanism with a stand-in batch."""
    for name in ("_blockers", "_exceptions", "_sections"):
        monkeypatch.setattr(providers, name, [])


@pytest.fixture
def lims_like() -> Iterator[list[Any]]:
    """Test-only providers, as the LIMS bridge will register them from its ready()."""

    @providers.register_release_blockers
    def missing_results(batch: Any) -> list[Blocker]:
        return [Blocker("lims_missing", f"{batch.number}/assay", "assay result missing")]

    @providers.register_review_exceptions
    def oos(batch: Any) -> list[ReviewException]:
        return [ReviewException("lims:7:oos", "lims_oos", "assay 91 % below 95 %", "lims:7")]

    @providers.register_detail_sections
    def results(batch: Any) -> list[Section]:
        return [Section("LIMS results", "lims_bridge/section.html", {"n": 1}, order=30)]

    registered = [missing_results, oos, results]
    yield registered
    for provider in registered:
        providers.unregister(provider)


def test_every_registered_provider_is_asked(lims_like: list[Any]) -> None:
    batch = Batch()
    assert [b.as_item() for b in providers.release_blockers(batch)] == [
        {"kind": "lims_missing", "ref": "B-001/assay", "detail": "assay result missing"}
    ]
    assert [e.id for e in providers.review_exceptions(batch)] == ["lims:7:oos"]
    assert [s.title for s in providers.detail_sections(batch)] == ["LIMS results"]
    providers.register_release_blockers(lims_like[0])  # registering twice counts once
    assert len(providers.release_blockers(batch)) == 1


def test_without_providers_nothing_blocks() -> None:
    assert providers.release_blockers(Batch()) == []


def test_exception_ids_must_be_unique_across_providers(lims_like: list[Any]) -> None:
    @providers.register_review_exceptions
    def again(batch: Any) -> list[ReviewException]:
        return [ReviewException("lims:7:oos", "lims_oos", "the same one", "lims:7")]

    try:
        with pytest.raises(ValueError, match="share ids"):
            providers.review_exceptions(Batch())
    finally:
        providers.unregister(again)
