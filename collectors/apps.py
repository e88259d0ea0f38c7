from django.apps import AppConfig


class CollectorsConfig(AppConfig):
    """Collectors beside the equipment (OPC UA, MQTT) that store and forward values into the
    historian over its REST API, losing nothing through outages."""

    name = "collectors"
    verbose_name = "Collectors"
    default_auto_field = "django.db.models.BigAutoField"
