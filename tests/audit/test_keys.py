"""Checkpoints, the server key, its rotation and what an auditor's --public-key trusts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts import roles as R
from audit.context import audit_context
from audit.keys import current_key
from audit.models import AuditEvent, Checkpoint
from audit.services import create_checkpoint, rotate_key
from tests.audit.helpers import audit_verify, export, run_command, standalone
from tests.testapp.models import Specimen


@pytest.fixture
def key_dir(tmp_path: Path, settings: Any) -> Path:
    directory = tmp_path / "keys"
    settings.SIGNING_KEY_DIR = str(directory)
    return directory


@pytest.mark.django_db(transaction=True)
def test_the_key_is_created_on_first_use_and_published(key_dir: Path) -> None:
    assert not key_dir.exists()
    code, out = run_command("audit_public_key")
    assert code == 0
    key = current_key()
    assert out.splitlines()[0] == f"key id: {key.key_id}"
    assert "BEGIN PUBLIC KEY" in out
    assert oct((key_dir / f"{key.key_id}.pem").stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_signs_the_head_and_enters_the_chain(key_dir: Path, make_user: Any) -> None:
    make_user(R.OPERATOR)
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    checkpoint = create_checkpoint()
    assert (checkpoint.head_seq, checkpoint.head_hash) == (head.seq, head.hash)
    event = AuditEvent.objects.get(action="checkpoint")
    assert event.seq == head.seq + 1
    assert event.changes["signature"] == checkpoint.signature
    assert audit_verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_rotation_is_endorsed_by_the_old_key(key_dir: Path, make_user: Any, tmp_path: Path) -> None:
    engineer = make_user(R.PROCESS_ENGINEER)
    create_checkpoint()
    old_pem = tmp_path / "old.pem"
    old_pem.write_text(current_key().public_pem)
    old_id = current_key().key_id
    rotated = rotate_key(actor="system:key-rotation")
    assert rotated.previous_key_id == old_id
    assert current_key().key_id == rotated.key_id != old_id
    with audit_context(actor=engineer, reason=""):
        Specimen.objects.create(name="after rotation")
    create_checkpoint()
    assert Checkpoint.objects.filter(key_id=rotated.key_id).count() == 2
    # An auditor who only ever held the old key still trusts the new one, by endorsement.
    code, line, _ = standalone(export(tmp_path), old_pem)
    assert code == 0, line
    assert audit_verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_without_a_public_key_the_verifier_says_what_it_trusted(
    key_dir: Path, make_user: Any, tmp_path: Path
) -> None:
    make_user(R.OPERATOR)
    create_checkpoint()
    code, line, err = standalone(export(tmp_path))
    assert code == 0, line
    assert "keys inside the export" in err


def test_standalone_usage_errors_exit_2(tmp_path: Path) -> None:
    assert standalone(tmp_path / "missing.jsonl")[0] == 2
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text('{"format": "something else"}\n')
    assert standalone(bogus)[0] == 2
