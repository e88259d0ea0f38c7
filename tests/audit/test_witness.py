"""The chain is anchored outside the database: a superuser without the signing key who
deletes checkpoints, cuts the chain's tail or re-hashes it from genesis is caught by a
verifier given the witness journal. Checkpoints come on a cadence; an overdue one is an
alarm, not a verification failure."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import roles as R
from audit import selectors
from audit.context import audit_context
from audit.journal import read_journal
from audit.models import AuditEvent, Checkpoint
from audit.selectors import checkpoint_status
from audit.services import create_checkpoint
from audit.witness import chain_identity, journal_paths
from tests.audit.helpers import (
    audit_verify_lines,
    export,
    public_key_file,
    rewrite_chain_from_genesis,
    standalone_lines,
)
from tests.dbadmin import tamper
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(make_user: Any) -> dict[str, Any]:
    qa = make_user(R.QA_REVIEWER, username="qa-witness")
    with audit_context(actor=qa, reason=""):
        a = Specimen.objects.create(name="assay", value=99.1)
    with audit_context(actor=qa, reason="transcription error"):
        Specimen.objects.filter(pk=a.pk).update(value=99.4)
    first = create_checkpoint()
    with audit_context(actor=qa, reason=""):
        b = Specimen.objects.create(name="dissolution", value=87.0)
    second = create_checkpoint()
    return {"qa": qa, "a": a, "b": b, "checkpoints": [first, second]}


def journal() -> Path:
    path = journal_paths(chain_identity())[0]
    assert path.is_file()
    return path


def test_every_committed_checkpoint_is_witnessed_outside_the_database(
    scene: dict[str, Any], witness_dir: Path
) -> None:
    entries = read_journal(journal())
    assert [e["checkpoint_id"] for e in entries] == [c.pk for c in scene["checkpoints"]]
    for entry, checkpoint in zip(entries, scene["checkpoints"], strict=True):
        event = AuditEvent.objects.get(action="checkpoint", record_pk=str(checkpoint.pk))
        assert (entry["head_seq"], entry["head_hash"]) == (
            checkpoint.head_seq,
            checkpoint.head_hash,
        )
        assert (entry["event_seq"], entry["event_hash"]) == (event.seq, event.hash)
    assert journal().parent == witness_dir
    assert oct(journal().stat().st_mode & 0o777) == "0o600"


def test_intact_chain_is_anchored_both_ways(scene: dict[str, Any], tmp_path: Path) -> None:
    code, lines = audit_verify_lines()
    assert code == 0, lines
    assert lines[0].startswith("OK ")
    assert lines[1].startswith("anchored: 2 witnessed checkpoint(s)")
    path = export(tmp_path)
    key = public_key_file(tmp_path)
    s_code, s_lines, _ = standalone_lines(path, key, witness=(journal(),))
    assert (s_code, s_lines[0]) == (0, lines[0])
    assert s_lines[1].startswith("anchored: ")
    # Without a witness the standalone verifier still verifies, and says it is not anchored.
    s_code, s_lines, _ = standalone_lines(path, key)
    assert s_code == 0
    assert s_lines[1].startswith("not anchored: no witness journal was given")


def test_a_chain_rewritten_from_genesis_without_checkpoints_is_caught_by_the_witness(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    """The attack: delete every checkpoint (rows and events), edit a record and its event,
    renumber and re-hash from genesis. Everything links and hashes; only the journal knows."""
    kept = journal().read_text()
    a = scene["a"]

    first_id = AuditEvent.objects.get(seq=1).pk

    def edit(event: dict[str, Any]) -> None:
        if event["action"] == "checkpoint":
            event["drop"] = True
        if event["id"] == first_id:  # everything from the first event on is rebuilt
            event["request_id"] = "rebuilt"
        if (event["table"], event["pk"], event["action"]) == (
            "testapp_specimen",
            str(a.pk),
            "update",
        ):
            event["changes"]["value"] = [99.1, 101.9]
            event["reason"] = "within specification"

    def attack(cur: Any) -> None:
        cur.execute("DELETE FROM audit_checkpoint")
        cur.execute(f"UPDATE testapp_specimen SET value = 101.9 WHERE id = {a.pk}")
        rewrite_chain_from_genesis(cur, edit)

    tamper(attack, ["audit_event", "audit_checkpoint", "testapp_specimen"])
    path = export(tmp_path)
    key = public_key_file(tmp_path)
    # Without the journal the rewrite passes: that is what anchoring is for.
    s_code, s_lines, _ = standalone_lines(path, key)
    assert s_code == 0, s_lines
    assert s_lines[1].startswith("not anchored")
    # With it, both verifiers fail. The journal the app finds is the old chain's (its first
    # event's hash changed with the rewrite), and it names the rebuilt chain.
    witness = tmp_path / "journal-copy.jsonl"
    witness.write_text(kept)
    s_code, s_lines, _ = standalone_lines(path, key, witness=(witness,))
    assert s_code == 1
    assert s_lines[0].startswith("FAIL event 1: ")
    assert "rebuilt from genesis" in s_lines[0]
    code, lines = audit_verify_lines()
    assert code == 1
    assert lines[0].startswith("FAIL event 1: ")
    assert "rebuilt from genesis" in lines[0]


def test_a_rewrite_after_genesis_is_caught_at_the_first_witnessed_head(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    """The first event kept, everything after the first checkpoint's head rewritten."""
    first = scene["checkpoints"][0]

    def edit(event: dict[str, Any]) -> None:
        if event["action"] == "checkpoint":
            event["drop"] = True
        elif event["table"] == "testapp_specimen" and event["action"] == "update":
            event["reason"] = "nothing to see"

    def attack(cur: Any) -> None:
        cur.execute("DELETE FROM audit_checkpoint")
        rewrite_chain_from_genesis(cur, edit)

    tamper(attack, ["audit_event", "audit_checkpoint"])
    code, lines = audit_verify_lines("--witness", str(journal()))
    assert code == 1
    assert lines[0].startswith(f"FAIL event {first.head_seq + 1}: ")
    assert "witnessed" in lines[0]


def test_a_cut_tail_is_caught_by_the_witness(scene: dict[str, Any], tmp_path: Path) -> None:
    """Delete the last checkpoint (row and event) and everything after the head before it."""
    last = scene["checkpoints"][1]
    tamper(
        [
            f"DELETE FROM audit_event WHERE seq > {last.head_seq}",
            f"DELETE FROM audit_checkpoint WHERE id = {last.pk}",
        ],
        ["audit_event", "audit_checkpoint"],
    )
    path = export(tmp_path)
    key = public_key_file(tmp_path)
    assert standalone_lines(path, key)[0] == 0  # a shorter chain is a valid chain …
    code, lines, _ = standalone_lines(path, key, witness=(journal(),))
    assert code == 1  # … but not the one that was witnessed
    assert lines[0].startswith(f"FAIL event {last.head_seq + 1}: missing: the chain ends at seq")
    code, lines = audit_verify_lines()
    assert code == 1
    assert "the chain's tail was removed" in lines[0]


def test_an_edited_journal_line_is_caught(scene: dict[str, Any], tmp_path: Path) -> None:
    path = journal()
    entries = path.read_text().splitlines()
    edited = json.loads(entries[0])
    edited["head_seq"] += 1
    entries[0] = json.dumps(edited, sort_keys=True, separators=(",", ":"))
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join(entries) + "\n")
    code, out = _verify_all("--witness", str(forged))
    assert code == 1
    assert "its signature does not verify" in out
    assert "does not link to the line before it" in out


def _verify_all(*args: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", "--quiet", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_a_checkpoint_event_without_its_row_fails(scene: dict[str, Any]) -> None:
    checkpoint = scene["checkpoints"][0]
    tamper([f"DELETE FROM audit_checkpoint WHERE id = {checkpoint.pk}"], ["audit_checkpoint"])
    event = AuditEvent.objects.get(action="checkpoint", record_pk=str(checkpoint.pk))
    code, lines = audit_verify_lines()
    assert code == 1
    assert lines[0] == (
        f"FAIL event {event.seq}: checkpoint {checkpoint.pk} has an event but no row "
        "(its row was deleted)"
    )


def test_a_mirror_store_receives_the_same_journal(
    make_user: Any, settings: Any, tmp_path: Path
) -> None:
    settings.WITNESS_MIRROR_DIR = str(tmp_path / "mirror")
    make_user(R.OPERATOR)
    create_checkpoint()
    primary, mirror = journal_paths(chain_identity())
    assert primary.read_text() == mirror.read_text() != ""
    code, lines = audit_verify_lines()
    assert code == 0
    assert "mirror" in lines[1]


def test_checkpoints_record_their_cadence_and_an_overdue_one_is_an_alarm(
    make_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CHECKPOINT_MINUTES = 5
    make_user(R.OPERATOR)
    checkpoint = create_checkpoint()
    assert Checkpoint.objects.get(pk=checkpoint.pk).cadence_seconds == 300
    event = AuditEvent.objects.get(action="checkpoint", record_pk=str(checkpoint.pk))
    assert event.changes["cadence_seconds"] == 300
    assert checkpoint_status()["overdue"] is False
    make_user(R.AUDITOR)  # events after the checkpoint, waiting for the next one
    later = timezone.now() + timedelta(minutes=8)
    status = checkpoint_status(now=later)
    assert status["overdue"] is True
    # An alarm in `manage.py status` and on the status page, not a verification failure.
    assert audit_verify_lines()[0] == 0
    client = Client()
    client.force_login(make_user(R.AUDITOR, username="aud-status"))
    monkeypatch.setattr(selectors, "timezone", SimpleNamespace(now=lambda: later))
    page = client.get("/status/").content.decode()
    out = StringIO()
    call_command("status", stdout=out)
    assert 'data-testid="checkpoint-overdue"' in page
    assert "ALARM                 checkpoint overdue" in out.getvalue()


def test_the_scheduler_skips_a_checkpoint_when_nothing_happened(make_user: Any) -> None:
    from audit.services import checkpoint_if_new_events

    make_user(R.OPERATOR)
    assert checkpoint_if_new_events(actor="system:scheduler") is not None
    assert checkpoint_if_new_events(actor="system:scheduler") is None
    make_user(R.AUDITOR)
    assert checkpoint_if_new_events(actor="system:scheduler") is not None
