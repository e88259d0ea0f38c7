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

# Separation of duties (README, "Roles and separation of duties"): combinations one account
# may not hold, each with the rule it would break. The administrator role stands alone
# (checked apart: it conflicts with every other role).
ROLE_CONFLICTS: dict[frozenset[str], str] = {
    frozenset({OPERATOR, QA_REVIEWER}): (
        "QA reviews and releases what operators record (21 CFR 211.22: the quality unit is "
        "independent of production)"
    ),
    frozenset({SUPERVISOR, QA_REVIEWER}): (
        "QA reviews and releases what supervisors verify (21 CFR 211.22: the quality unit is "
        "independent of production)"
    ),
    frozenset({PROCESS_ENGINEER, QA_REVIEWER}): (
        "QA approves the master records and corrections process engineers write"
    ),
    **{
        frozenset({AUDITOR, other}): (
            "an auditor checks the work of every other role and must not audit their own"
        )
        for other in (OPERATOR, SUPERVISOR, QA_REVIEWER, PROCESS_ENGINEER)
    },
}


def role_conflict(role_names: set[str]) -> str | None:
    """Why one account cannot hold these roles together (ROLE_CONFLICTS), or None."""
    for pair, rule in ROLE_CONFLICTS.items():
        if pair <= role_names:
            first, second = sorted(ROLE_LABELS[r] for r in pair)
            return (
                f"{first} and {second} cannot be held by one account: {rule}. "
                "Give the person one of them, or a second account."
            )
    return None


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
