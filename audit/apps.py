from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from core.navigation import NavItem


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (
        NavItem("Audit trail", "audit:trail", "list", "audit.view_audit_trail", "audit", 10),
        NavItem(
            "Verification", "audit:verification", "shield", "audit.view_audit_trail", "audit", 20
        ),
    )

    # Role names as accounts.roles spells them (audit imports no account code).
    role_permissions = {
        "operator": {"audit.sign_records"},
        "supervisor": {"audit.sign_records"},
        "qa_reviewer": {
            "audit.sign_records",
            "audit.view_audit_trail",
            "audit.verify_audit_trail",
        },
        "auditor": {"audit.view_audit_trail", "audit.verify_audit_trail"},
        "process_engineer": {"audit.sign_records"},
    }

    def ready(self) -> None:
        post_migrate.connect(_record_catalogue, sender=self)


def _record_catalogue(**kwargs: Any) -> None:
    """After every migrate (once, on the audit app's signal): the catalogue, when it changed."""
    from audit.registry import record_catalogue

    record_catalogue(reason="catalogue of audited tables after migrate")
