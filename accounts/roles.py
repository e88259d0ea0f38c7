"""The roles of Ledgerline and what each may do (API.md, "Who may do what")."""

from __future__ import annotations

OPERATOR = "operator"
SUPERVISOR = "supervisor"
QA_REVIEWER = "qa_reviewer"
AUDITOR = "auditor"
PROCESS_ENGINEER = "process_engineer"
ADMINISTRATOR = "administrator"
INTEGRATION = "integration"

HUMAN_ROLES = (OPERATOR, SUPERVISOR, QA_REVIEWER, AUDITOR, PROCESS_ENGINEER, ADMINISTRATOR)
ALL_ROLES = (*HUMAN_ROLES, INTEGRATION)

ROLE_LABELS = {
    OPERATOR: "Operator",
    SUPERVISOR: "Supervisor",
    QA_REVIEWER: "QA reviewer",
    AUDITOR: "Auditor",
    PROCESS_ENGINEER: "Process engineer",
    ADMINISTRATOR: "Administrator",
    INTEGRATION: "Integration (service account)",
}

# Account-administration permissions: the only ones an administrator holds.
ADMIN_PERMISSIONS = frozenset(
    {"accounts.manage_users", "accounts.unlock_accounts", "accounts.manage_tokens"}
)


def role_permissions() -> dict[str, frozenset[str]]:
    """What each role may do: account administration (this app) for the administrator,
    and what every installed app grants to roles in its AppConfig (`role_permissions`,
    role name → permission names), so an app brings its capabilities from its own folder."""
    from django.apps import apps

    granted: dict[str, set[str]] = {role: set() for role in ALL_ROLES}
    granted[ADMINISTRATOR] |= ADMIN_PERMISSIONS
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            granted[role] |= set(perms)
    return {role: frozenset(perms) for role, perms in granted.items()}


def is_gxp_permission(perm: str) -> bool:
    """Every permission that is not account administration touches GxP data."""
    return perm not in ADMIN_PERMISSIONS
