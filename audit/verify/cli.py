"""`python -m audit.verify`: the command line of the standalone verifier."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from audit.journal import read_journal
from audit.verify.export import verify_export
from audit.verify.result import Result

MORE_FAILURES_SHOWN = 50


def print_result(result: Result, out: Callable[[str], None], err: Callable[[str], None]) -> None:
    """The contract's line on stdout, the anchoring on a second line; the rest on stderr."""
    for note in result.notes:
        err(f"note: {note}")
    out(result.line())
    if result.anchoring:
        out(result.anchoring)
    others = result.others()
    for failure in others[:MORE_FAILURES_SHOWN]:
        err(f"also: {failure.line()}")
    if len(others) > MORE_FAILURES_SHOWN:
        err(f"also: {len(others) - MORE_FAILURES_SHOWN} more problem(s) not shown")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description="Verify a Ledgerline audit export offline.",
    )
    parser.add_argument("file", help="the JSON Lines file written by manage.py audit_export")
    parser.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="PEM",
        help="a trusted server public key (PEM file); repeatable",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=None,
        metavar="JOURNAL",
        help="a witness journal of the chain's checkpoints (from the application host's "
        "witness directory or its mirror); repeatable",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        keys = [Path(path).read_text(encoding="ascii") for path in args.public_key]
        witness = (
            [(path, read_journal(path)) for path in args.witness]
            if args.witness is not None
            else None
        )
        with open(args.file, encoding="utf-8") as handle:
            result = verify_export(handle, keys, witness=witness)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_result(result, print, lambda text: print(text, file=sys.stderr))
    return 0 if result.ok else 1
