from django.apps import AppConfig

from accounts import roles as R
from core.navigation import NavItem

PUSH = "lims_bridge.push_results"
IMPORT = "lims_bridge.import_results"


class LimsBridgeConfig(AppConfig):
    name = "lims_bridge"
    verbose_name = "LIMS bridge"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (NavItem("LIMS results", "lims_bridge:imports", "flask", IMPORT, "batches", 58),)
    role_permissions = {
        R.QA_REVIEWER: {IMPORT},
        R.INTEGRATION: {PUSH, IMPORT},
    }

    def ready(self) -> None:
        # A batch's LIMS results, its review exceptions (OOS, warning, revised) and release
        # blockers (required tests missing or not verified), through ebr's providers.
        from ebr import providers
        from lims_bridge import selectors

        providers.register_review_exceptions(selectors.lims_exceptions)
        providers.register_release_blockers(selectors.lims_blockers)
        providers.register_detail_fields(selectors.detail_fields)
        providers.register_detail_sections(selectors.results_section)
