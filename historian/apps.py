from django.apps import AppConfig

from accounts import roles as R
from core.navigation import NavItem

READ = "historian.view_process_data"


class HistorianConfig(AppConfig):
    name = "historian"
    verbose_name = "Historian"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (
        NavItem("Tags", "historian:tags", "tag", "historian.view_process_data", "process", 10),
        NavItem("Trends", "historian:trend", "chart", "historian.view_process_data", "process", 20),
    )
    role_permissions = {
        R.OPERATOR: {READ},
        R.SUPERVISOR: {READ, "historian.annotate"},
        R.QA_REVIEWER: {READ, "historian.annotate", "historian.correct_samples"},
        R.AUDITOR: {READ},
        R.PROCESS_ENGINEER: {READ, "historian.manage_tags", "historian.annotate"},
        R.INTEGRATION: {READ, "historian.ingest_samples"},
    }
