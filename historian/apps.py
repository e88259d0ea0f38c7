from django.apps import AppConfig

from core.navigation import NavItem


class HistorianConfig(AppConfig):
    name = "historian"
    verbose_name = "Historian"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (
        NavItem("Tags", "historian:tags", "tag", "core.view_process_data", "process", 10),
        NavItem("Trends", "historian:trend", "chart", "core.view_process_data", "process", 20),
    )
