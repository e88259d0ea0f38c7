"""Result files: saved column mappings; CSV (semicolons, a BOM, local times by a format) and
Excel imports through them, atomic, the file kept as received; a preview that stores nothing;
broken rows refused naming the row and field; `manage.py lims_import`."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from rest_framework.test import APIClient

from lims_bridge.models import Result, Transfer
from tests.lims_bridge.test_push import lab  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
COLUMNS = {"Analysis ID": "lims_id", "Rev": "revision", "Sample": "sample_id",
           "Lot": "batch_number", "Test": "test", "Value": "result", "Unit": "unit",
           "Min": "spec_low", "Max": "spec_high", "State": "status", "Sampled": "sampled_at",
           "Analyst": "analyst"}  # fmt: skip
CSV = (
    "\ufeffAnalysis ID;Rev;Sample;Lot;Test;Value;Unit;Min;Max;State;Sampled;Analyst\n"
    "F-1;1;S-10;B-1;assay;99,2;%;95;105;verified;03.03.2026 07:00;quinn\n"
    "F-2;1;S-10;B-1;dissolution;86;%;80;;to_be_verified;03.03.2026 07:00;quinn\n"
)


@pytest.fixture
def mapped(lab: dict[str, Any]) -> APIClient:  # noqa: F811
    client: APIClient = lab["client"]
    saved = client.post("/api/v1/lims/mappings/", {"name": "lab-csv", "columns": COLUMNS,
                                                   "timestamp_format": "%d.%m.%Y %H:%M"},
                        format="json")  # fmt: skip
    assert saved.status_code == 201, saved.content
    return client


def upload(client: APIClient, content: bytes, name: str = "results.csv", **more: Any) -> Any:
    file = SimpleUploadedFile(name, content)
    return client.post("/api/v1/lims/imports/", {"file": file, "mapping": "lab-csv", **more},
                       format="multipart")  # fmt: skip


def test_mappings_are_checked_and_replaced_by_name(mapped: APIClient) -> None:
    again = mapped.post("/api/v1/lims/mappings/", {"name": "lab-csv", "columns": COLUMNS},
                        format="json")  # fmt: skip
    assert again.status_code == 200  # replaced
    assert again.json()["timestamp_format"] is None
    columns = {**COLUMNS, "Colour": "colour"}
    bad = mapped.post("/api/v1/lims/mappings/", {"name": "x", "columns": columns}, format="json")
    assert bad.status_code == 400
    assert "colour" in bad.json()["fields"]["columns"]
    short = {"A": "lims_id"}
    lacking = mapped.post("/api/v1/lims/mappings/", {"name": "y", "columns": short}, format="json")
    assert "must give" in lacking.json()["fields"]["columns"]
    listed = mapped.get("/api/v1/lims/mappings/").json()["results"]
    assert [m["name"] for m in listed] == ["lab-csv"]


def test_a_csv_file_is_previewed_then_imported_and_kept(mapped: APIClient) -> None:
    preview = upload(mapped, CSV.encode(), preview="true")
    assert preview.status_code == 200
    assert [r["outcome"] for r in preview.json()["rows"]] == ["new", "new"]
    assert Result.objects.count() == 0  # a preview stores nothing
    answer = upload(mapped, CSV.encode())
    assert answer.status_code == 201, answer.content
    assert [(r["row"], r["outcome"]) for r in answer.json()["results"]] == [
        (2, "created"), (3, "created")
    ]  # fmt: skip
    transfer = Transfer.objects.get()
    assert bytes(transfer.content or b"") == CSV.encode()  # kept as received
    assert transfer.content_sha256 == hashlib.sha256(CSV.encode()).hexdigest()
    assert transfer.counts == {"rows": 2, "created": 2, "replayed": 0}
    f1 = Result.objects.get(lims_id="F-1")
    assert (f1.value, f1.source, f1.spec_high) == (99.2, "file", 105.0)
    assert f1.sampled_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # site zone: UTC in tests
    assert Result.objects.get(lims_id="F-2").spec_high is None
    replay = upload(mapped, CSV.encode())
    assert replay.status_code == 200
    assert {r["outcome"] for r in replay.json()["results"]} == {"replayed"}


def test_an_excel_file_imports_too(mapped: APIClient) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    sheet.append(["X-1", 1, "S-11", "B-1", "assay", 100.5, "%", 95, 105, "published",
                  "03.03.2026 08:00", "quinn"])  # fmt: skip
    data = io.BytesIO()
    book.save(data)
    answer = upload(mapped, data.getvalue(), name="results.xlsx")
    assert answer.status_code == 201, answer.content
    assert Result.objects.get(lims_id="X-1").status == "published"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("F-3;1;S-12;B-1;assay;;%;95;105;verified;03.03.2026 07:00;quinn", "result"),
        ("F-3;1;S-12;NOPE;assay;99;%;95;105;verified;03.03.2026 07:00;quinn", "batch_number"),
        ("F-3;1;S-12;B-1;assay;99;mg;95;105;verified;03.03.2026 07:00;quinn", "unit"),
        ("F-3;1;S-12;B-1;assay;99;%;95;105;verified;31.02.2026 07:00;quinn", "sampled_at"),
        ("F-3;x;S-12;B-1;assay;99;%;95;105;verified;03.03.2026 07:00;quinn", "revision"),
    ],
)
def test_a_broken_row_is_named_and_nothing_is_stored(
    mapped: APIClient, line: str, field: str
) -> None:
    answer = upload(mapped, (CSV + line + "\n").encode())
    assert answer.status_code == 422, answer.content
    (item,) = answer.json()["items"]
    assert (item["row"], item["field"]) == (4, field)  # the header is line 1
    assert Result.objects.count() == 0
    assert Transfer.objects.count() == 0


def test_files_that_are_no_result_files_are_refused(mapped: APIClient) -> None:
    assert upload(mapped, b"").status_code == 400
    assert upload(mapped, b"\xff\xfe\x00binary").status_code == 400
    assert upload(mapped, b"PK\x03\x04broken", name="x.xlsx").status_code == 400
    header_only = upload(mapped, b"Analysis ID;Rev\n")
    assert header_only.status_code == 400
    assert "lacks" in header_only.json()["detail"]
    body = {"file": SimpleUploadedFile("r.csv", b"a"), "mapping": "nope"}
    unknown = mapped.post("/api/v1/lims/imports/", body, format="multipart")
    assert unknown.status_code == 400
    assert Result.objects.count() == 0


def test_the_import_command(mapped: APIClient, tmp_path: Any) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(CSV.encode())
    out = StringIO()
    call_command("lims_import", str(path), "--mapping", "lab-csv", "--preview", stdout=out)
    assert "nothing stored" in out.getvalue()
    assert Result.objects.count() == 0
    call_command("lims_import", str(path), "--mapping", "lab-csv", stdout=out)
    assert "2 stored" in out.getvalue()
    broken = tmp_path / "broken.csv"
    broken.write_bytes((CSV + "F-9;1;S-1;NOPE;assay;1;%;;;verified;;\n").encode())
    with pytest.raises(CommandError, match="row 4 batch_number"):
        call_command("lims_import", str(broken), "--mapping", "lab-csv", stdout=out)
