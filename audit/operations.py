"""The one migration operation an audited table gets.

    AuditedTable("ebr_entry", history_table="ebr_entry_history",
                 signed_fields=("id", "value", ...), append_only=True)

Its arguments are those of the table's declaration in `<app>/audited.py`
(`audit.catalogue.AuditedTable`), and the SQL it installs comes from a frozen version
(`sql=2`: audit/frozen/v2.py), so a migration installs the same SQL on a fresh database
for ever; a change of that SQL is a new version and a new migration. With `baseline`, rows
already in the table get an `insert` event, sealed at once, so the state check finds every
row accounted for.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation

from audit.chain import seal_pending
from audit.frozen import v2

VERSIONS = {2: v2}


class AuditedTable(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(
        self,
        table: str,
        *,
        pk: str = "id",
        capture: bool = True,
        ignored: tuple[str, ...] | list[str] = (),
        masked: tuple[str, ...] | list[str] = (),
        history_table: str = "",
        signed_fields: tuple[str, ...] | list[str] = (),
        append_only: bool = False,
        never_deleted: bool = False,
        baseline: str = "",
        sql: int = 2,
    ) -> None:
        if sql not in VERSIONS:
            raise ValueError(f"no frozen audit SQL version {sql}")
        self.table = table
        self.pk = pk
        self.capture = capture
        self.ignored = tuple(ignored)
        self.masked = tuple(masked)
        self.history_table = history_table
        self.signed_fields = tuple(signed_fields)
        self.append_only = append_only
        self.never_deleted = never_deleted
        self.baseline = baseline
        self.sql = sql

    def statements(self) -> list[str]:
        generate: Any = VERSIONS[self.sql].table_sql
        statements: list[str] = generate(
            self.table,
            pk=self.pk,
            capture=self.capture,
            ignored=self.ignored,
            masked=self.masked,
            history_table=self.history_table,
            signed_fields=self.signed_fields,
            append_only=self.append_only,
            never_deleted=self.never_deleted,
            baseline=self.baseline,
        )
        return statements

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # triggers only: the model state does not change

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for statement in self.statements():
            schema_editor.execute(statement, params=None)  # literal SQL: its % are not placeholders
        if self.baseline:
            seal_pending()

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for suffix in ("audit", "signed_guard", "append_only", "no_truncate", "never_deleted"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.table}_{suffix} ON {self.table};")

    def describe(self) -> str:
        return f"Audit table {self.table} (frozen SQL v{self.sql})"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"sql": self.sql}
        for name, default in (
            ("pk", "id"),
            ("capture", True),
            ("ignored", ()),
            ("masked", ()),
            ("history_table", ""),
            ("signed_fields", ()),
            ("append_only", False),
            ("never_deleted", False),
            ("baseline", ""),
        ):
            value = getattr(self, name)
            if value != default:
                kwargs[name] = value
        return "audit.operations.AuditedTable", [self.table], kwargs
