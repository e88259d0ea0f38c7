"""Declarative role matrix: every URL and API endpoint × every role → allowed or 401/403.

Each app lists its own rows in `tests/<app>/matrix.py` (`ROWS`); ENDPOINTS gathers the rows
of every installed app, and tests/core/test_role_matrix.py walks all of them for every role.
Adding an app adds its rows file, nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts import roles as R

ANONYMOUS = "anonymous"
HUMANS = frozenset(R.HUMAN_ROLES)
EVERYONE = frozenset({*R.ALL_ROLES, ANONYMOUS})
ADMIN = frozenset({R.ADMINISTRATOR})
AUDIT_READERS = frozenset({R.AUDITOR, R.QA_REVIEWER})
DATA_READERS = frozenset({*R.HUMAN_ROLES, R.INTEGRATION}) - {R.ADMINISTRATOR}
ANNOTATORS = frozenset({R.PROCESS_ENGINEER, R.SUPERVISOR, R.QA_REVIEWER})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # may use {username}, {service_account}, {token_id}
    allowed: frozenset[str]
    api: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.method} {self.path}"


def _gather() -> list[Endpoint]:
    from importlib import import_module

    from django.apps import apps

    rows: list[Endpoint] = []
    for config in apps.get_app_configs():
        name = f"tests.{config.label}.matrix"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in {name, f"tests.{config.label}"}:
                raise
            continue
        rows += module.ROWS
    return rows


ENDPOINTS: list[Endpoint] = _gather()
