"""The SENAITE pull against a local server that answers like senaite.jsonapi: login by cookie,
every page followed, fields mapped as API.md states, samples of unknown batches and analyses
without a result left out and counted, repeat pulls storing nothing for unchanged analyses and a
new revision for changed ones, a page failing once retried, a page failing twice (or a refused
login) ending the pull with a clear error and nothing stored; the API queues it (202) and
`manage.py lims_pull` runs it with progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from accounts import roles as R
from audit.actors import SystemActor
from ebr import services as ebr_services
from lims_bridge import senaite, services
from lims_bridge.models import Result, Transfer
from tests.ebr.test_batches import effective
from tests.factories import TagFactory
from tests.lims_bridge import fake_senaite
from tests.lims_bridge.fake_senaite import Lims

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
ACTOR = SystemActor("system:test-pull")


@pytest.fixture
def batch(make_user: Any) -> None:
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    quinn = make_user(R.QA_REVIEWER, username="quinn")
    make_user(R.QA_REVIEWER, username="verifier1")
    TagFactory(actor=eli, name="L3.PRESS.WEIGHT", equipment="L3/PRESS", unit="mg")
    ebr_services.line_create(actor=eli, code="L3", name="Line 3")
    record = ebr_services.master_create(
        actor=eli, code="MR3", product="P", title="T", line="L3",
        steps=[{"code": "S1", "title": "Run"}],
        lims_tests=[{"test": "assay", "unit": "%", "low": 95.0, "high": 105.0}],
    )  # fmt: skip
    effective(record, eli, quinn)
    ebr_services.batch_create(actor=make_user(R.SUPERVISOR), batch_number="B-1",
                              master_record="MR3", line="L3", start=T0.isoformat(),
                              end=(T0 + timedelta(hours=8)).isoformat())  # fmt: skip


@pytest.fixture
def lims() -> Lims:
    """Seven analyses over four pages of two: ours (B-1), a retest, one without a result yet,
    and one of a batch Ledgerline does not know."""
    lab = Lims()
    lab.sample("s1", "W-0001", "B-1")
    lab.sample("s2", "W-0002", "B-1")
    lab.sample("s9", "W-0009", "OTHER-7")
    lab.analysis("a1", "s1", "assay", "99.1", verifiers=["verifier1"], state="verified")
    lab.analysis("a2", "s1", "dissolution", "88", min="80", max="")
    lab.analysis("a3", "s2", "assay", "93.0", state="retracted")
    lab.analysis("a4", "s2", "assay", "100.4", retest_of="a3", warn_min="97", warn_max="103")
    lab.analysis("a5", "s2", "hardness", None, unit="kP")
    lab.analysis("a6", "s9", "assay", "101")
    lab.analysis("a7", "s1", "appearance", "complies", unit="", min="", max="")
    return lab


def pull(url: str, user: str = fake_senaite.USER, password: str = fake_senaite.PASSWORD,
         since: datetime | None = None) -> Transfer:  # fmt: skip
    site = senaite.Site(url, user, password)
    transfer = services.pull_queue(actor=ACTOR, since=since, site=site)
    return services.pull_senaite(actor=ACTOR, transfer=transfer, site=site)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(senaite, "PAGE_SIZE", 2)


def test_a_pull_follows_every_page_and_maps_the_fields(batch: None, lims: Lims) -> None:
    with fake_senaite.running(lims) as url:
        done = pull(url)
    assert done.state == "done", done.error
    assert done.counts == {"analyses": 7, "not_modified": 0, "without_result": 1,
                           "other_batches": 1, "unchanged": 0, "created": 5}  # fmt: skip
    pages = [r for r in lims.requests if "/analysis?" in r]
    assert "b_start=0" in pages[0]
    assert "complete=yes" in pages[0]
    assert len(pages) == 4  # every page, by `next`
    assert lims.requests[0] == "POST /@@API/senaite/v1/login"
    a1 = Result.objects.get(lims_id="a1")
    assert (a1.test, a1.value, a1.unit, a1.spec_low, a1.spec_high) == ("assay", 99.1, "%", 95, 105)
    assert (a1.status, a1.verified_by, a1.verifier_users) == ("verified", ["verifier1"],
                                                              ["verifier1"])  # fmt: skip
    assert (a1.sample.sample_id, a1.sample.batch.batch_number) == ("W-0001", "B-1")
    assert a1.sampled_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    assert a1.captured_at == datetime(2026, 3, 3, 8, 10, tzinfo=UTC)
    assert (a1.source, a1.method, a1.analyst) == ("senaite", "HPLC assay", "analyst1")
    assert Result.objects.get(lims_id="a4").retest_of == "a3"
    assert Result.objects.get(lims_id="a4").warn_low == 97
    assert Result.objects.get(lims_id="a3").status == "retracted"
    assert Result.objects.get(lims_id="a7").text == "complies"
    assert Result.objects.get(lims_id="a2").spec_high is None


def test_pulling_again_stores_only_what_changed(batch: None, lims: Lims) -> None:
    with fake_senaite.running(lims) as url:
        assert pull(url).state == "done"
        again = pull(url)  # since the last pull: nothing was modified
        assert (again.counts["not_modified"], again.counts["created"]) == (7, 0)
        everything = pull(url, since=datetime(2026, 1, 1, tzinfo=UTC))
        assert (everything.counts["unchanged"], everything.counts["created"]) == (5, 0)
        now = datetime.now(tz=UTC).isoformat()
        lims.analyses[3] |= {"getResult": "100.9", "modified": now}  # a4 re-entered
        lims.analyses[0] |= {"review_state": "published", "modified": now}  # a1 published
        third = pull(url)
    assert third.counts["created"] == 2
    assert list(Result.objects.filter(lims_id="a4").values_list("revision", "value")) == [
        (1, 100.4), (2, 100.9)
    ]  # fmt: skip
    assert Result.objects.get(lims_id="a1", revision=2).status == "published"


def test_since_leaves_out_analyses_not_modified_since(batch: None, lims: Lims) -> None:
    lims.analyses[1]["modified"] = "2026-03-01T00:00:00+01:00"
    with fake_senaite.running(lims) as url:
        done = pull(url, since=datetime(2026, 3, 2, tzinfo=UTC))
    assert done.counts["not_modified"] == 1
    assert not Result.objects.filter(lims_id="a2").exists()


def test_a_page_failing_once_is_retried(batch: None, lims: Lims) -> None:
    lims.fail_pages[2] = 1
    with fake_senaite.running(lims) as url:
        done = pull(url)
    assert done.state == "done"
    assert Result.objects.count() == 5


def test_a_page_failing_twice_ends_the_pull_storing_nothing(batch: None, lims: Lims) -> None:
    lims.fail_pages[4] = 2
    with fake_senaite.running(lims) as url:
        done = pull(url)
    assert done.state == "failed"
    assert "failed twice" in done.error
    assert "503" in done.error
    assert Result.objects.count() == 0  # nothing half-stored


def test_a_refused_login_says_what_to_check(batch: None, lims: Lims) -> None:
    with fake_senaite.running(lims) as url:
        done = pull(url, password="wrong")
    assert done.state == "failed"
    assert "LEDGERLINE_SENAITE_PASSWORD" in done.error
    assert Result.objects.count() == 0


def test_an_unreachable_site_fails_clearly(batch: None) -> None:
    done = pull("http://127.0.0.1:9")
    assert done.state == "failed"
    assert "cannot be reached" in done.error


def test_the_api_queues_a_pull_and_the_command_runs_one(
    batch: None, lims: Lims, make_service_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = make_service_account("lims")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    unset = client.post("/api/v1/lims/pulls/", {"source": "senaite"}, format="json")
    assert unset.status_code == 400  # no site configured
    with fake_senaite.running(lims) as url:
        monkeypatch.setenv("LEDGERLINE_SENAITE_URL", url)
        monkeypatch.setenv("LEDGERLINE_SENAITE_USER", fake_senaite.USER)
        monkeypatch.setenv("LEDGERLINE_SENAITE_PASSWORD", fake_senaite.PASSWORD)
        queued = client.post("/api/v1/lims/pulls/",
                             {"source": "senaite", "since": "2026-03-01T00:00:00Z"},
                             format="json")  # fmt: skip
        assert queued.status_code == 202, queued.content
        assert queued.json()["state"] == "queued"
        assert ProcrastinateJob.objects.filter(task_name="lims_bridge.pull").count() == 1
        status = client.get(queued.json()["status_url"])
        assert status.json()["since"] == "2026-03-01T00:00:00.000000Z"
        out, err = StringIO(), StringIO()
        call_command("lims_pull", "senaite", stdout=out, stderr=err)
        assert "created 5" in out.getvalue()
        latest = Transfer.objects.filter(state="done").latest("pk")
        assert latest.progress == 1.0  # what the pages' progress shows
        monkeypatch.setenv("LEDGERLINE_SENAITE_PASSWORD", "wrong")
        with pytest.raises(CommandError, match="refused the login"):
            call_command("lims_pull", "senaite", stdout=out, stderr=err)
    assert Result.objects.count() == 5
