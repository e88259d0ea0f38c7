"""Signed reports on the real cluster: a deviation report and an audit extract rendered through
the API, their text extracted (pypdf) and checked, the PAdES signature validated by pyhanko
against the served certificate (nothing fetched), a flipped byte and an appended update
detected, the `report` audit event naming the document and both digests, page 1 rendered to
PNG (pdftoppm), and the asynchronous path (202, status URL, the PDF)."""

from __future__ import annotations

import hashlib
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts import roles as R
from audit.models import AuditEvent
from ebr import services as ebr_services
from reports import services
from reports.models import Document
from tests.ebr.test_genealogy import plant  # noqa: F401 (the fixture)
from tests.factories import TagFactory
from tests.lims_bridge.test_push import lab  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deviation(make_user: Any) -> str:
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    TagFactory(actor=eli, name="L2.PRESS.WEIGHT", equipment="L2/PRESS", unit="mg")
    ebr_services.line_create(actor=eli, code="L2", name="Line 2")
    found, _ = ebr_services.deviation_raise(
        actor=make_user(R.OPERATOR, username="olga", full_name="Olga Operator"), line="L2",
        kind="manual", severity="major", start="2026-03-04T08:00:00Z",
        description="Tablets chipped at the press outlet",
    )  # fmt: skip
    return found.number


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def validate(pdf: bytes, cert_pem: bytes) -> Any:
    """pyhanko's own verdict, trusting exactly the served certificate, fetching nothing."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = next(load_certs_from_pemder_data(cert_pem))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    (signature,) = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    return validate_pdf_signature(signature, signer_validation_context=context)


def test_a_deviation_report_is_signed_recorded_and_verifiable(
    deviation: str, make_user: Any, tmp_path: Path
) -> None:
    qa = make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")
    client = client_of(qa)
    answer = client.get(f"/api/v1/reports/deviations/{deviation}.pdf")
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/pdf"
    pdf = answer.content
    document = Document.objects.get()
    content = text(pdf)
    for expected in (f"Deviation {deviation}", "Tablets chipped at the press outlet",
                     document.document_id, "Quinn Reviewer (quinn)", "Page 1 of 1",
                     document.manifest_sha256, "Not closed yet"):  # fmt: skip
        assert expected in content, expected
    cert = APIClient().get("/api/v1/reports/signing-certificate/")  # anonymous: public
    assert cert.status_code == 200
    status = validate(pdf, cert.content)
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage.name == "ENTIRE_FILE"
    event = AuditEvent.objects.get(action="report")
    assert event.record_pk == document.document_id
    assert event.changes["file_sha256"] == hashlib.sha256(pdf).hexdigest() == document.file_sha256
    assert event.changes["manifest_sha256"] == document.manifest_sha256
    assert event.actor_username == "quinn"
    verdict = client.post("/api/v1/reports/verify/", pdf, content_type="application/pdf").json()
    assert verdict["authentic"] is True
    assert verdict["unchanged"] is True
    assert verdict["document_id"] == document.document_id
    assert verdict["generated_by"] == "Quinn Reviewer (quinn)"
    flipped = bytearray(pdf)
    flipped[len(pdf) // 3] ^= 0x01
    tampered = client.post("/api/v1/reports/verify/", bytes(flipped),
                           content_type="application/pdf").json()  # fmt: skip
    assert (tampered["authentic"], tampered["unchanged"]) == (False, False)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 10_000  # a page with content, not a blank


def test_an_update_appended_after_signing_is_a_change(deviation: str, make_user: Any) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    client = client_of(make_user(R.AUDITOR, username="ada"))
    pdf = client.get(f"/api/v1/reports/deviations/{deviation}.pdf").content
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    info = writer.trailer["/Info"].get_object()
    info[NameObject("/Title")] = TextStringObject("Something else")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    verdict = client.post("/api/v1/reports/verify/", out.getvalue(),
                          content_type="application/pdf").json()  # fmt: skip
    assert verdict["authentic"] is True  # the signature itself still holds…
    assert verdict["unchanged"] is False  # …but the file is not what was signed


def test_reports_render_asynchronously_with_a_status_url(deviation: str, make_user: Any) -> None:
    supervisor = make_user(R.SUPERVISOR, username="sam")
    client = client_of(supervisor)
    queued = client.get(f"/api/v1/reports/deviations/{deviation}.pdf",
                        HTTP_PREFER="respond-async")  # fmt: skip
    assert queued.status_code == 202
    job = queued.json()
    assert job["state"] == "queued"
    assert ProcrastinateJob.objects.filter(task_name="reports.render").count() == 1
    document = Document.objects.get(document_id=job["job"])
    services.complete(actor=supervisor, document=document)  # what the worker does
    done = client.get(job["status_url"]).json()
    assert (done["state"], done["progress"]) == ("done", 1.0)
    pdf = client.get(done["pdf_url"])
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == done["file_sha256"]


def test_an_audit_extract_is_for_audit_readers_and_checks_its_filters(
    deviation: str, make_user: Any
) -> None:
    auditor = client_of(make_user(R.AUDITOR, username="ada", full_name="Ada Auditor"))
    answer = auditor.get("/api/v1/reports/audit.pdf", {"model": "ebr_deviation"})
    assert answer.status_code == 200
    content = text(answer.content)
    assert "Audit trail extract" in content
    assert "model = ebr_deviation" in content
    assert f"number: {deviation}" in content  # its insert, with the values it stored
    operator = client_of(make_user(R.OPERATOR))
    assert operator.get("/api/v1/reports/audit.pdf").status_code == 403
    bad = auditor.get("/api/v1/reports/audit.pdf", {"start": "yesterday"})
    assert bad.status_code == 400
    assert "start" in bad.json()["fields"]
    assert Document.objects.count() == 1  # refused requests stored nothing


def test_unknown_things_are_404(make_user: Any) -> None:
    client = client_of(make_user(R.QA_REVIEWER))
    assert client.get("/api/v1/reports/deviations/DEV-9999.pdf").status_code == 404
    assert client.get("/api/v1/reports/jobs/NOPE/").status_code == 404
    assert client.post("/api/v1/reports/verify/", b"not a pdf",
                       content_type="application/pdf").json()["authentic"] is False  # fmt: skip


def test_a_trend_report_charts_rules_and_capability(
    make_user: Any, make_service_account: Any
) -> None:
    from historian.ingest import ingest_samples

    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    TagFactory(actor=eli, name="L2.PRESS.WEIGHT", equipment="L2/PRESS", unit="mg",
               spec_low=245.0, spec_high=255.0)  # fmt: skip
    account, _ = make_service_account("collector")
    start = "2026-03-05T06:00:00+00:00"
    values = [250.0 + ((i * 7) % 5 - 2) * 0.4 for i in range(600)]
    values[300] = 262.0  # beyond 3σ: WE1/N1
    items = [{"tag": "L2.PRESS.WEIGHT", "ts": f"2026-03-05T06:{i // 60:02d}:{i % 60:02d}Z",
              "value": v} for i, v in enumerate(values)]  # fmt: skip
    assert ingest_samples(actor=account, source="t", ingest_key="w", items=items).status == 201
    client = client_of(make_user(R.QA_REVIEWER, username="quinn"))
    window = {"start": start, "end": "2026-03-05T07:00:00+00:00"}
    answer = client.get("/api/v1/reports/trend.pdf", {"tags": "L2.PRESS.WEIGHT", **window})
    assert answer.status_code == 200, answer.content[:300]
    content = text(answer.content)
    for expected in ("Trend and SPC", "L2.PRESS.WEIGHT", "600 good samples", "Cp, Cpk",
                     "Pp, Ppk", "WE1", "a point beyond 3σ", "d2 = 1.128"):  # fmt: skip
        assert expected in content, expected
    manifest = Document.objects.get().manifest_sha256
    assert manifest in content
    bad = client.get("/api/v1/reports/trend.pdf", {"tags": "L2.NOPE", "start": start,
                                                   "end": "2026-03-05T07:00:00+00:00"})  # fmt: skip
    assert bad.status_code == 404
    reversed_window = client.get("/api/v1/reports/trend.pdf", {
        "tags": "L2.PRESS.WEIGHT", "start": start, "end": "2026-03-05T05:00:00+00:00"})  # fmt: skip
    assert reversed_window.status_code == 400


def test_genealogy_reports_trace_back_and_forward(plant: dict[str, Any]) -> None:  # noqa: F811
    """Backward over a line's window and forward for a lot, with the genealogy tests' plant
    (line L7, its feeders' RTD models, released lots)."""
    from tests.ebr.test_genealogy import at, charge

    olga = plant["clients"]["olga"]
    assert charge(olga, "FEEDER1", "API-1", at(0)).status_code == 201
    assert charge(olga, "FEEDER1", "API-2", at(30)).status_code == 201
    client = client_of(plant["quinn"])
    window = {"line": "L7", "start": at(25).isoformat(), "end": at(40).isoformat()}
    back = client.get("/api/v1/reports/genealogy.pdf", window)
    assert back.status_code == 200, back.content[:300]
    content = text(back.content)
    for expected in ("Genealogy of line L7", "API-1", "API-2", "FEEDER1", "RTD models used"):
        assert expected in content, expected
    forward = client.get("/api/v1/reports/genealogy.pdf", {"lot": "API-1"})
    assert forward.status_code == 200
    assert "Where the lot went" in text(forward.content)
    assert client.get("/api/v1/reports/genealogy.pdf", {"lot": "NOPE"}).status_code == 404
    assert client.get("/api/v1/reports/genealogy.pdf", {"line": "L7"}).status_code == 400


def test_a_batch_record_carries_every_section(lab: dict[str, Any]) -> None:  # noqa: F811
    """The batch record of a batch with an executed step, a LIMS result and its revision: every
    section of 211.188 present, the signature manifestation printed, the PDF verifiable."""
    from accounts.models import User
    from audit.signing import SignatureRequest
    from ebr.models import Batch
    from tests.factories import PASSWORD
    from tests.lims_bridge.test_push import URL, result

    sam = User.objects.get(username="sam")
    batch = ebr_services.batch_transition(actor=sam, batch=Batch.objects.get(batch_number="B-1"),
                                          status="in_progress", reason="go")  # fmt: skip
    signature = SignatureRequest(username="sam", password=PASSWORD, meaning="performed",
                                 reason="ran")  # fmt: skip
    ebr_services.entry_record(actor=sam, batch=batch, step_code="S1", values={},
                              signature=signature)  # fmt: skip
    lab["client"].post(URL, result(), format="json")
    lab["client"].post(URL, result(revision=2, result=99.1, status="verified"), format="json")
    client = client_of(lab["quinn"])
    answer = client.get("/api/v1/reports/batches/B-1.pdf")
    assert answer.status_code == 200, answer.content[:300]
    content = text(answer.content)
    for expected in ("Batch record B-1", "MR3 v1", "Steps and entries", "S1 Run", "performed",
                     "CPP trends", "Deviations", "LIMS results", "r1: 99.8", "Genealogy",
                     "Review by exception", "lims:A-1:revised:2", "Disposition",
                     "Not disposed yet", "Audit trail of the batch"):  # fmt: skip
        assert expected in content, expected
    verdict = client.post("/api/v1/reports/verify/", answer.content,
                          content_type="application/pdf").json()  # fmt: skip
    assert (verdict["authentic"], verdict["unchanged"]) == (True, True)
    assert client.get("/api/v1/reports/batches/NOPE.pdf").status_code == 404


def test_the_audit_trail_page_links_its_selection_as_a_signed_pdf(
    deviation: str, make_user: Any
) -> None:
    import re

    auditor = client_of(make_user(R.AUDITOR, username="ada"))
    page = auditor.get("/audit/", {"model": "ebr_deviation", "start": "2026-01-01T00:00"})
    link = re.search(
        r'href="(/api/v1/reports/audit\.pdf\?[^"]*)" data-report', page.content.decode()
    )
    assert link is not None
    answer = auditor.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200, answer.content[:300]
    assert "model = ebr_deviation" in text(answer.content)
