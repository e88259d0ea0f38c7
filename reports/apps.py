from django.apps import AppConfig

from accounts import roles as R
from core.navigation import NavItem

RENDER = "reports.render_reports"


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (NavItem("Verify a report", "reports:verify", "shield", RENDER, "audit", 30),)
    # Every human role except the administrator renders and verifies reports (API.md).
    role_permissions = {
        role: {RENDER} for role in (R.OPERATOR, R.SUPERVISOR, R.QA_REVIEWER, R.AUDITOR,
                                    R.PROCESS_ENGINEER)
    }  # fmt: skip

    def ready(self) -> None:
        from ebr import providers
        from reports.rootcause.page import section

        providers.register_deviation_sections(section)
