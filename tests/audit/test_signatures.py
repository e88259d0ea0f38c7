"""Electronic signatures: re-authentication, sealing, the continuous-session rule,
refusals that count, signed records that cannot change, and the manifestation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.template import Context, Template

from accounts import roles as R
from accounts.models import LoginThrottle
from accounts.services import is_locked
from audit.canonical import canonical_json
from audit.context import audit_context
from audit.keys import current_key
from audit.models import AuditEvent, Signature
from audit.signing import SignatureFailed, SignatureRequest, sign_record, signature_payload
from audit.verify import load_public_key
from core.deferred import run_after_rollback
from tests.conftest import PASSWORD
from tests.factories import SpecimenFactory
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(make_user: Any) -> Any:
    return make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")


@pytest.fixture
def specimen(qa: Any) -> Specimen:
    made: Specimen = SpecimenFactory(actor=qa, name="assay", value=99.1)
    return made


def req(
    password: str = PASSWORD,
    username: str = "quinn",
    meaning: str = "approved",
    reason: str = "meets specification",
) -> SignatureRequest:
    return SignatureRequest(username=username, password=password, meaning=meaning, reason=reason)


def failures(username: str) -> int:
    throttle = LoginThrottle.objects.filter(user__username=username).first()
    return throttle.failed_count if throttle else 0


def test_a_signature_is_sealed_and_entered_into_the_chain(qa: Any, specimen: Specimen) -> None:
    signature = sign_record(record=specimen, request=req())
    assert signature.printed_name == "Quinn Reviewer"
    assert signature.meaning == "approved"
    assert signature.record_table == "testapp_specimen"
    assert signature.record_pk == str(specimen.pk)
    assert signature.record_version == 1
    payload = signature_payload(signature)
    load_public_key(current_key().public_pem).verify(
        bytes.fromhex(signature.server_signature), canonical_json(payload)
    )
    event = AuditEvent.objects.get(action="signature", record_pk=str(signature.pk))
    assert event.actor_username == "quinn"
    assert event.changes["server_signature"] == signature.server_signature
    assert event.changes["content_sha256"] == signature.content_sha256


def test_a_wrong_password_fails_is_recorded_and_counts_towards_lockout(
    qa: Any, specimen: Specimen
) -> None:
    with pytest.raises(SignatureFailed):
        sign_record(record=specimen, request=req(password="not my password!"))
    assert failures("quinn") == 1
    assert AuditEvent.objects.filter(changes__event="signing_failed", record_pk="quinn").exists()
    for _ in range(4):
        with pytest.raises(SignatureFailed):
            sign_record(record=specimen, request=req(password="still not it!!"))
    assert is_locked(qa)
    with pytest.raises(SignatureFailed, match="locked"):
        sign_record(record=specimen, request=req())
    assert not Signature.objects.exists()


def test_a_failure_inside_a_transaction_is_recorded_after_its_rollback(
    qa: Any, specimen: Specimen
) -> None:
    with pytest.raises(SignatureFailed) as caught, transaction.atomic():
        with audit_context(actor=qa, reason="step entry"):
            Specimen.objects.create(name="entry that needs a signature")
        sign_record(record=specimen, request=req(password="wrong wrong wrong"))
    # Rolled back: no entry, nothing counted yet …
    assert not Specimen.objects.filter(name="entry that needs a signature").exists()
    assert failures("quinn") == 0
    # … until the caller, outside the failed transaction, runs what the refusal leaves.
    run_after_rollback(caught.value)
    assert failures("quinn") == 1
    assert AuditEvent.objects.filter(changes__event="signing_failed", record_pk="quinn").exists()


def test_administrators_and_service_accounts_cannot_sign(
    make_user: Any, make_service_account: Any, specimen: Specimen
) -> None:
    make_user(R.ADMINISTRATOR, username="root-ish")
    with pytest.raises(SignatureFailed, match="may not sign"):
        sign_record(record=specimen, request=req(username="root-ish"))
    _account, _ = make_service_account("mes")
    with pytest.raises(SignatureFailed, match="username or password is not correct"):
        sign_record(record=specimen, request=req(username="mes"))  # no hint it exists
    make_user(R.AUDITOR, username="reader")
    with pytest.raises(SignatureFailed, match="may not sign"):
        sign_record(record=specimen, request=req(username="reader"))
    assert not Signature.objects.exists()


def test_continuous_session_rule_of_11_200(qa: Any, specimen: Specimen, make_user: Any) -> None:
    session = SessionStore()
    # The first signing of a session needs both components.
    with pytest.raises(SignatureFailed, match="username and password"):
        sign_record(record=specimen, request=req(username=""), session_user=qa, session=session)
    sign_record(record=specimen, request=req(), session_user=qa, session=session)
    # Within the same continuous session, the password alone.
    with audit_context(actor=qa, reason=""):
        second = Specimen.objects.create(name="second")
    sign_record(record=second, request=req(username=""), session_user=qa, session=session)
    # One can only ever sign as oneself.
    make_user(R.QA_REVIEWER, username="colleague")
    with pytest.raises(SignatureFailed, match="only as yourself"):
        sign_record(
            record=second, request=req(username="colleague"), session_user=qa, session=session
        )
    # A new session (after logout or idle timeout) needs both again.
    with pytest.raises(SignatureFailed, match="username and password"):
        sign_record(
            record=second, request=req(username=""), session_user=qa, session=SessionStore()
        )
    assert Signature.objects.count() == 2


def test_meaning_and_reason_are_required(qa: Any, specimen: Specimen) -> None:
    with pytest.raises(SignatureFailed, match="meaning"):
        sign_record(record=specimen, request=req(meaning="liked"))
    with pytest.raises(SignatureFailed, match="reason"):
        sign_record(record=specimen, request=req(reason="   "))


def test_a_signed_record_cannot_change_and_is_corrected_by_a_new_version(
    qa: Any, specimen: Specimen
) -> None:
    sign_record(record=specimen, request=req())
    with (
        pytest.raises(Exception, match="is signed: its signed field"),
        audit_context(actor=qa, reason="fix"),
    ):
        Specimen.objects.filter(pk=specimen.pk).update(value=50.0)
    with audit_context(actor=qa, reason="transcription error in v1"):
        corrected = Specimen.objects.create(
            name="assay", value=98.1, version=2, supersedes=specimen
        )
    sign_record(record=corrected, request=req(reason="correction approved"))
    specimen.refresh_from_db()
    assert specimen.value == 99.1  # the original stays visible, unchanged
    versions = Signature.objects.filter(record_table="testapp_specimen").order_by("id")
    assert [s.record_version for s in versions] == [1, 2]


def test_the_manifestation_shows_name_time_and_meaning(qa: Any, specimen: Specimen) -> None:
    signature = sign_record(record=specimen, request=req(meaning="reviewed"))
    html = Template("{% load signatures %}{% signature_manifestation sig %}").render(
        Context({"sig": signature})
    )
    assert "Quinn Reviewer" in html
    assert "Reviewed" in html
    assert signature.signed_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" in html


def test_the_signed_guard_protects_the_declared_signed_fields_only(qa: Any) -> None:
    """A signed record may still move through its state machine (a status outside its
    signed fields); its signed fields, and the row itself, stay as signed."""
    import psycopg

    from tests.dbadmin import superuser_url

    with psycopg.connect(superuser_url()) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE guard_probe (id int PRIMARY KEY, status text, value text)")
        cur.execute(
            "CREATE TRIGGER guard_probe_signed_guard BEFORE UPDATE OR DELETE ON guard_probe "
            "FOR EACH ROW EXECUTE FUNCTION audit_signed_guard('id', 'id,value')"
        )
        cur.execute("INSERT INTO guard_probe VALUES (1, 'open', '98.7')")
        cur.execute(
            "INSERT INTO audit_signature (signer_id, signer_username, printed_name, meaning, "
            "reason, signed_at, record_table, record_pk, record_version, signed_fields, "
            "content_sha256, key_id, server_signature) VALUES (%s, 'qa', 'QA', 'approved', "
            "'ok', now(), 'guard_probe', '1', 1, '[]', '', '', '')",
            [qa.pk],
        )
        cur.execute("UPDATE guard_probe SET status = 'closed' WHERE id = 1")
        for statement in (
            "UPDATE guard_probe SET value = '50' WHERE id = 1",
            "DELETE FROM guard_probe WHERE id = 1",
        ):
            cur.execute("SAVEPOINT s")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is signed"):
                cur.execute(statement)
            cur.execute("ROLLBACK TO SAVEPOINT s")
        cur.execute("SELECT status, value FROM guard_probe")
        assert cur.fetchone() == ("closed", "98.7")
        conn.rollback()
