"""Verification of the audit chain, signatures, checkpoints, catalogue and audited rows.

One implementation serves both `manage.py audit_verify` (fed from the
database) and the standalone verifier an auditor runs on a laptop:

    python -m audit.verify EXPORT.jsonl [--public-key KEY.pem]... [--witness JOURNAL]...

which needs the standard library and `cryptography` only: no Django, no
database. Intact: exit 0 and `OK <N> events head <hash>`. Broken: exit 1 and
`FAIL event <seq>: <what is wrong>` for the first bad event; every other
problem found follows on stderr (`also: ...`) — verification goes on past a
break, so one break cannot hide another. Usage or input error: exit 2. A
second stdout line says whether the result is anchored by a witness journal
(`anchored: ...`) or not (`not anchored: ...`).

The package, in the order the work flows: events.py re-hashes and links events in
batches (worker processes for long chains), verifier.py checks the chain's content and the
side tables, export.py reads an export file, cli.py is the command line; keys.py and
result.py are shared. The names below are the package's public face.
"""

from __future__ import annotations

from audit.verify.cli import main, print_result
from audit.verify.events import Checked, Segment, check_event, check_line, checked_segments
from audit.verify.export import EXPORT_FORMAT, PARALLEL_FROM, verify_export, verify_parts
from audit.verify.keys import key_id_of, load_public_key
from audit.verify.result import Failure, Result
from audit.verify.verifier import Verifier

__all__ = [
    "EXPORT_FORMAT",
    "PARALLEL_FROM",
    "Checked",
    "Failure",
    "Result",
    "Segment",
    "Verifier",
    "check_event",
    "check_line",
    "checked_segments",
    "key_id_of",
    "load_public_key",
    "main",
    "print_result",
    "verify_export",
    "verify_parts",
]
