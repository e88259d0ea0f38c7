"""Run both verifiers the way an operator and an auditor would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from audit.canonical import GENESIS_HASH, canonical_text, event_hash, parse_json
from audit.keys import current_key

ROOT = Path(__file__).resolve().parents[2]
# The standalone verifier must run where Django cannot even be imported.
STANDALONE = (
    "import runpy, sys; sys.modules['django'] = None; "
    "sys.argv = ['audit.verify', *sys.argv[1:]]; "
    "runpy.run_module('audit.verify', run_name='__main__')"
)


def run_command(name: str, *args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue().strip()
    return 0, out.getvalue().strip()


def audit_verify(*args: str) -> tuple[int, str]:
    """(exit code, the contract's first stdout line)."""
    code, out = run_command("audit_verify", "--quiet", *args)
    return code, out.splitlines()[0] if out else ""


def audit_verify_lines(*args: str) -> tuple[int, list[str]]:
    """(exit code, every stdout line: the result, then the anchoring)."""
    code, out = run_command("audit_verify", "--quiet", *args)
    return code, out.splitlines()


def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.jsonl"
    code, _ = run_command("audit_export", "--out", str(path), "--quiet")
    assert code == 0
    return path


def public_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "server.pem"
    path.write_text(current_key().public_pem)
    return path


def standalone(
    export_path: Path, *public_keys: Path, witness: tuple[Path, ...] = ()
) -> tuple[int, str, str]:
    """(exit code, the first stdout line, stderr) of `python -m audit.verify`."""
    code, lines, err = standalone_lines(export_path, *public_keys, witness=witness)
    return code, lines[0] if lines else "", err


def standalone_lines(
    export_path: Path, *public_keys: Path, witness: tuple[Path, ...] = ()
) -> tuple[int, list[str], str]:
    args = [str(export_path)]
    for key in public_keys:
        args += ["--public-key", str(key)]
    for journal in witness:
        args += ["--witness", str(journal)]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", STANDALONE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout.strip().splitlines(), done.stderr.strip()


def verify_both(tmp_path: Path) -> tuple[tuple[int, str], tuple[int, str]]:
    """(audit_verify), (python -m audit.verify on a fresh export with the server's key)."""
    in_app = audit_verify()
    code, out, _ = standalone(export(tmp_path), public_key_file(tmp_path))
    return in_app, (code, out)


def rewrite_chain_from_genesis(cur: Any, edit: Callable[[dict[str, Any]], None]) -> None:
    """What a database superuser without the signing key can do: with the chain's triggers
    off, change events (`edit` sees each as the canonical function names it, and may set
    "drop": True), then renumber and re-hash every event from genesis so that the chain links
    and hashes again. Run with the trigger-switching `tamper` cursor."""
    cur.execute(
        "SELECT id, seq, occurred_at, actor_id, actor_username, action, table_name, record_pk, "
        "changes::text, reason, request_id FROM audit_event ORDER BY seq"
    )
    rows = cur.fetchall()
    prev = GENESIS_HASH
    seq = 0
    for row in rows:
        event: dict[str, Any] = {
            "id": row[0],
            "occurred_at": row[2],
            "actor": {"id": row[3], "username": row[4]},
            "action": row[5],
            "table": row[6],
            "pk": row[7],
            "changes": parse_json(row[8]),
            "reason": row[9],
            "request_id": row[10],
        }
        edit(event)
        if event.get("drop"):
            cur.execute("DELETE FROM audit_event WHERE id = %s", [row[0]])
            continue
        seq += 1
        event["seq"] = seq
        event["prev_hash"] = prev
        digest = event_hash(event)
        cur.execute(
            "UPDATE audit_event SET seq = %s, prev_hash = %s, hash = %s, changes = %s::jsonb, "
            "reason = %s, request_id = %s WHERE id = %s",
            [
                -seq,
                prev,
                digest,
                canonical_text(event["changes"]),
                event["reason"],
                event["request_id"],
                row[0],
            ],
        )
        prev = digest
    cur.execute("UPDATE audit_event SET seq = -seq WHERE seq < 0")
