from django.apps import AppConfig


class HistorianConfig(AppConfig):
    name = "historian"
    verbose_name = "Historian"
    default_auto_field = "django.db.models.BigAutoField"
