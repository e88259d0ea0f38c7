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

READ = "core.view_process_data"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    OPERATOR: frozenset({READ, "core.sign_records", "core.execute_steps"}),
    SUPERVISOR: frozenset(
        {READ, "core.sign_records", "core.execute_steps", "core.verify_steps", "core.annotate"}
    ),
    QA_REVIEWER: frozenset(
        {
            READ,
            "core.sign_records",
            "core.annotate",
            "core.correct_samples",
            "core.review_batches",
            "core.release_batches",
            "audit.view_audit_trail",
            "audit.verify_audit_trail",
        }
    ),
    AUDITOR: frozenset({READ, "audit.view_audit_trail", "audit.verify_audit_trail"}),
    PROCESS_ENGINEER: frozenset(
        {
            READ,
            "core.sign_records",
            "core.manage_tags",
            "core.annotate",
            "core.manage_master_records",
        }
    ),
    ADMINISTRATOR: ADMIN_PERMISSIONS,
    INTEGRATION: frozenset({READ, "core.ingest_samples"}),
}


def is_gxp_permission(perm: str) -> bool:
    """Every permission that is not account administration touches GxP data."""
    return perm not in ADMIN_PERMISSIONS
