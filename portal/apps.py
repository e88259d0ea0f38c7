from django.apps import AppConfig

from core.navigation import NavItem


class PortalConfig(AppConfig):
    """The site at the top of the layers: home and status pages, the navigation every app
    registers into, the status API and command, and the demo seed."""

    name = "portal"
    verbose_name = "Ledgerline site"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = (
        NavItem("Home", "portal:home", "home", order=0),
        NavItem("System status", "portal:status", "pulse", None, "system", order=10),
        NavItem("API documentation", "api-docs", "book", None, "system", order=20),
    )
