from django.apps import AppConfig


class LimsBridgeConfig(AppConfig):
    name = "lims_bridge"
    verbose_name = "LIMS bridge"
    default_auto_field = "django.db.models.BigAutoField"
