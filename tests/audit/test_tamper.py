"""Every tamper, made in SQL as the database superuser, is found by both verifiers,
which exit 1 and name the right event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounts import roles as R
from audit.context import audit_context
from audit.database_verification import verify_database
from audit.keys import public_pem
from audit.models import AuditEvent, Checkpoint, Signature
from audit.services import create_checkpoint
from audit.signing import SignatureRequest, sign_record
from tests.audit.helpers import export, standalone, verify_both
from tests.conftest import PASSWORD
from tests.dbadmin import tamper
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(make_user: Any) -> dict[str, Any]:
    qa = make_user(R.QA_REVIEWER, username="qa-signer")
    with audit_context(actor=qa, reason=""):
        a = Specimen.objects.create(name="blend uniformity", value=98.7)
        b = Specimen.objects.create(name="assay", value=101.2)
    with audit_context(actor=qa, reason="rounding corrected"):
        Specimen.objects.filter(pk=b.pk).update(value=101.0)
    signature = sign_record(
        record=a,
        request=SignatureRequest(
            username="qa-signer", password=PASSWORD, meaning="approved", reason="results reviewed"
        ),
    )
    checkpoint = create_checkpoint()
    return {"a": a, "b": b, "qa": qa, "signature": signature, "checkpoint": checkpoint}


def seq_of(**filters: Any) -> int:
    event = AuditEvent.objects.filter(**filters).order_by("-seq").first()
    assert event is not None
    assert event.seq is not None
    return event.seq


def assert_both_fail(tmp_path: Path, seq: int, words: str) -> None:
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert code == 1, line
    assert line.startswith(f"FAIL event {seq}: "), line
    assert words in line
    assert s_code == 1, s_line
    assert s_line.startswith(f"FAIL event {seq}: "), s_line


def test_the_intact_scene_verifies_both_ways(scene: dict[str, Any], tmp_path: Path) -> None:
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert code == 0, line
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    assert line == f"OK {head.seq} events head {head.hash}"
    assert (s_code, s_line) == (0, line)


def test_a_changed_value_in_an_event(scene: dict[str, Any], tmp_path: Path) -> None:
    seq = seq_of(table_name="testapp_specimen", action="update")
    tamper(
        [f"UPDATE audit_event SET reason = 'nothing happened' WHERE seq = {seq}"], ["audit_event"]
    )
    assert_both_fail(tmp_path, seq, "altered")


def test_an_event_deleted_in_the_middle(scene: dict[str, Any], tmp_path: Path) -> None:
    seq = seq_of(table_name="testapp_specimen", action="update")
    tamper([f"DELETE FROM audit_event WHERE seq = {seq}"], ["audit_event"])
    assert_both_fail(tmp_path, seq, "missing")


def test_two_events_swapped(scene: dict[str, Any], tmp_path: Path) -> None:
    seq = seq_of(table_name="testapp_specimen", action="update")
    tamper(
        [
            f"UPDATE audit_event SET seq = -1 WHERE seq = {seq}",
            f"UPDATE audit_event SET seq = {seq} WHERE seq = {seq - 1}",
            f"UPDATE audit_event SET seq = {seq - 1} WHERE seq = -1",
        ],
        ["audit_event"],
    )
    assert_both_fail(tmp_path, seq - 1, "")


def test_a_signed_record_changed(scene: dict[str, Any], tmp_path: Path) -> None:
    a = scene["a"]
    tamper([f"UPDATE testapp_specimen SET value = 75.0 WHERE id = {a.pk}"], ["testapp_specimen"])
    record_seq = seq_of(table_name="testapp_specimen", record_pk=str(a.pk))
    assert_both_fail(tmp_path, record_seq, f"testapp_specimen:{a.pk}")
    # The signature check finds it too, on the signature's own event.
    signature_seq = seq_of(action="signature")
    lines = [f.line() for f in verify_database().failures]
    assert (
        f"FAIL event {signature_seq}: record testapp_specimen:{a.pk} "
        "was changed after it was signed" in lines
    )


def test_a_signature_moved_to_another_record(scene: dict[str, Any], tmp_path: Path) -> None:
    signature: Signature = scene["signature"]
    tamper(
        [f"UPDATE audit_signature SET record_pk = '{scene['b'].pk}' WHERE id = {signature.pk}"],
        ["audit_signature"],
    )
    assert_both_fail(tmp_path, seq_of(action="signature"), "moved")


def test_the_last_checkpoint_signature_replaced(scene: dict[str, Any], tmp_path: Path) -> None:
    checkpoint: Checkpoint = scene["checkpoint"]
    forged = Ed25519PrivateKey.generate().sign(b"anything").hex()
    tamper(
        [f"UPDATE audit_checkpoint SET signature = '{forged}' WHERE id = {checkpoint.pk}"],
        ["audit_checkpoint"],
    )
    assert_both_fail(tmp_path, seq_of(action="checkpoint"), "checkpoint")


def test_a_checkpoint_signed_by_a_key_other_than_the_one_given(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    other.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    code, line, _ = standalone(export(tmp_path), other)
    assert code == 1
    first_keyed = (
        AuditEvent.objects.filter(action__in=["signature", "checkpoint"]).order_by("seq").first()
    )
    assert first_keyed is not None
    assert line.startswith(f"FAIL event {first_keyed.seq}: "), line
    assert "not trusted" in line


def test_an_audited_row_edited_with_its_triggers_disabled(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    qa = scene["qa"]
    tamper(
        [f"UPDATE accounts_user SET full_name = 'Someone Else' WHERE id = {qa.pk}"],
        ["accounts_user"],
    )
    seq = seq_of(table_name="accounts_user", record_pk=str(qa.pk))
    assert_both_fail(tmp_path, seq, f"accounts_user:{qa.pk}")
    (_, line), _ = verify_both(tmp_path)
    assert "full_name" in line


def test_a_row_inserted_around_the_trail(scene: dict[str, Any], tmp_path: Path) -> None:
    tamper(
        ["INSERT INTO testapp_specimen (name, value, note, version) VALUES ('smuggled', 1, '', 1)"],
        ["testapp_specimen"],
    )
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert code == 1
    assert s_code == 1
    assert "has no audit event" in line
    assert "has no audit event" in s_line


@pytest.mark.parametrize("tampered", [False, True])
def test_worker_processes_and_small_batches_find_the_same_event(
    scene: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tampered: bool
) -> None:
    """Long chains are checked in batches by worker processes: the answer is the same."""
    import audit.export
    import audit.verify.export
    from audit.verify import verify_export

    seq = seq_of(table_name="testapp_specimen", action="update")
    if tampered:
        tamper([f"DELETE FROM audit_event WHERE seq = {seq}"], ["audit_event"])
    path = export(tmp_path)
    serial = verify_database(parallel=False).line()
    monkeypatch.setattr(audit.verify.export, "BATCH", 2)
    monkeypatch.setattr(audit.export, "BATCH", 3)
    with path.open(encoding="utf-8") as lines:
        from_file = verify_export(lines, [], parallel=True).line()
    from_db = verify_database(parallel=True).line()
    assert from_file == from_db == serial
    assert serial.startswith(f"FAIL event {seq}: ") if tampered else serial.startswith("OK ")
