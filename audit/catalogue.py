"""The catalogue of audited tables: what each table gets, and the check of the database against it.

Standard library only: the standalone verifier imports it.

Which tables are audited, and how, is declared in code (`AuditedTable`, one
per table, in each app's `audited.py`), never read back from the database's
triggers: a trigger an attacker drops must not take its table out of the
checks. After every `migrate` the declarations, the triggers that carry them
(name, function, arguments, events, enabled state) and a digest of the body
of every function of the application's schema are recorded in the chain as a
`catalogue` event. The verifiers compare the database with the last recorded
catalogue: a declared table that lacks a trigger, a trigger disabled, added or
changed, or a function body that differs, is a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

CATALOGUE_TABLE = "audit_catalogue"

# Security events that set a checked state of their subject: (state, value).
# The verifier folds them per subject and compares with the current state the
# export (or the database) reports, e.g. whether an account is locked.
STATE_EVENTS: dict[str, tuple[str, Any]] = {
    "account_locked": ("account_lock", True),
    "account_unlocked": ("account_lock", False),
}


@dataclass(frozen=True)
class AuditedTable:
    """One audited table and what it gets.

    `capture`: the row-by-row capture trigger `<table>_audit` (audit_capture),
    with `ignored` columns left out and `masked` columns recorded as digests;
    `history_table`: the simple-history table the capture also writes;
    `signed_fields`: the record is signable over these fields, and a signed
    row is guarded against change (`<table>_signed_guard`);
    `append_only`: UPDATE (unless `updatable`), DELETE and TRUNCATE refused
    (`<table>_append_only`, `<table>_no_truncate`);
    `never_deleted`: DELETE refused (`<table>_never_deleted`);
    `triggers`: further protective triggers by name;
    `hypertable`: TimescaleDB cannot `ENABLE ALWAYS` its triggers and clones
    them onto every chunk, where they are checked too.
    """

    table: str
    pk: str = "id"
    capture: bool = True
    ignored: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    history_table: str = ""
    signed_fields: tuple[str, ...] = ()
    append_only: bool = False
    never_deleted: bool = False
    triggers: tuple[str, ...] = field(default=())
    hypertable: bool = False

    def expected_triggers(self) -> list[str]:
        names: list[str] = []
        if self.capture:
            names.append(f"{self.table}_audit")
        if self.signed_fields:
            names.append(f"{self.table}_signed_guard")
        if self.append_only:
            names += [f"{self.table}_append_only", f"{self.table}_no_truncate"]
        if self.never_deleted:
            names.append(f"{self.table}_never_deleted")
        return names + list(self.triggers)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("ignored", "masked", "signed_fields", "triggers"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditedTable:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("ignored", "masked", "signed_fields", "triggers"):
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)


def capture_args(table: AuditedTable) -> str:
    """The capture trigger's arguments as pg_trigger holds them (NUL-separated)."""
    parts = (table.pk, ",".join(table.ignored), ",".join(table.masked), table.history_table)
    return "".join(f"{p}\\000" for p in parts)


def declaration_problems(
    tables: Mapping[str, Mapping[str, Any]], triggers: Mapping[str, list[list[Any]]]
) -> list[str]:
    """What the database lacks of what the declarations say each table gets.

    `triggers` maps a table to its triggers as [name, function, type, enabled,
    args]; on a hypertable `enabled` may be `O` (it cannot be ALWAYS).
    """
    problems: list[str] = []
    for name, data in sorted(tables.items()):
        table = AuditedTable.from_dict(data)
        present = {t[0]: t for t in triggers.get(name, [])}
        if name not in triggers:
            problems.append(f"declared audited table {name} does not exist")
            continue
        for expected in table.expected_triggers():
            found = present.get(expected)
            if found is None:
                problems.append(f"{name} lacks its trigger {expected}")
            elif found[3] != "A" and not (table.hypertable and found[3] == "O"):
                problems.append(f"{name}'s trigger {expected} is disabled (state {found[3]})")
        guard = present.get(f"{name}_signed_guard")
        expected_guard = f"{table.pk}\\000{','.join(table.signed_fields)}\\000"
        if table.signed_fields and guard is not None and guard[4] != expected_guard:
            problems.append(
                f"{name}'s signed guard does not guard the declared signed fields "
                f"(arguments {guard[4]!r})"
            )
        capture = present.get(f"{name}_audit")
        if (
            table.capture
            and capture is not None
            and (capture[1] != "audit_capture" or capture[4] != capture_args(table))
        ):
            problems.append(
                f"{name}'s capture trigger does not capture as declared "
                f"(function {capture[1]}, arguments {capture[4]!r})"
            )
    return problems


def catalogue_problems(recorded: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """The database (`actual`) against the last catalogue recorded in the chain."""
    tables: Mapping[str, Any] = recorded.get("tables", {})
    problems = declaration_problems(tables, actual.get("triggers", {}))
    declared: Mapping[str, Any] | None = actual.get("declared")
    if declared is not None:
        differ = sorted(
            name
            for name in set(declared) | set(tables)
            if dict(declared.get(name) or {}) != dict(tables.get(name) or {})
        )
        if differ:
            problems.append(
                "the audited tables the code declares differ from the catalogue recorded in "
                f"the chain ({', '.join(differ)}): run manage.py migrate to record them"
            )
    recorded_triggers: Mapping[str, Any] = recorded.get("triggers", {})
    actual_triggers: Mapping[str, Any] = actual.get("triggers", {})
    for name in sorted(tables):
        before = {t[0]: t for t in recorded_triggers.get(name, [])}
        now = {t[0]: t for t in actual_triggers.get(name, [])}
        for trigger in sorted(set(before) | set(now)):
            if trigger not in now:
                problems.append(f"{name}'s trigger {trigger} was dropped")
            elif trigger not in before:
                problems.append(f"{name} has a trigger {trigger} that was never recorded")
            elif list(before[trigger]) != list(now[trigger]):
                problems.append(
                    f"{name}'s trigger {trigger} differs from the recorded one "
                    f"(recorded {before[trigger]}, now {now[trigger]})"
                )
    for hypertable, chunks in sorted(actual.get("chunks", {}).items()):
        if hypertable not in tables:
            continue
        # TimescaleDB clones a hypertable's row triggers onto every chunk (not its own
        # ts_insert_blocker, nor statement triggers): the declared ones must be there.
        expected = set(AuditedTable.from_dict(tables[hypertable]).expected_triggers())
        wanted = {
            t[0] for t in actual_triggers.get(hypertable, []) if t[2] & 1 and t[0] in expected
        }
        for chunk, found in sorted(chunks.items()):
            states = {name: enabled for name, enabled in found}
            missing = sorted(wanted - set(states))
            if missing:
                problems.append(
                    f"chunk {chunk} of {hypertable} lacks trigger(s) {', '.join(missing)}"
                )
            disabled = sorted(n for n in wanted & set(states) if states[n] == "D")
            if disabled:
                problems.append(
                    f"chunk {chunk} of {hypertable} has trigger(s) {', '.join(disabled)} disabled"
                )
    recorded_functions: Mapping[str, str] = recorded.get("functions", {})
    actual_functions: Mapping[str, str] = actual.get("functions", {})
    for function in sorted(set(recorded_functions) | set(actual_functions)):
        if function not in actual_functions:
            problems.append(f"function {function} was dropped")
        elif function not in recorded_functions:
            problems.append(f"function {function} was never recorded")
        elif recorded_functions[function] != actual_functions[function]:
            problems.append(f"the body of function {function} differs from the recorded one")
    return problems
