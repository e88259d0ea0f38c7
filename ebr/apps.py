from django.apps import AppConfig

from accounts import roles as R
from core.navigation import NavItem

READ = "ebr.view_batch_records"
# Carrying a person's signature: the integration account passes the endpoint's check, and
# the service checks that the signer holds the capability.
CARRY = "ebr.act_for_people"


class EbrConfig(AppConfig):
    name = "ebr"
    verbose_name = "Electronic batch records"
    default_auto_field = "django.db.models.BigAutoField"
    navigation = (
        NavItem("Lines and lots", "ebr:lines", "factory", READ, "batches", 10),
        NavItem("Master records", "ebr:masters", "book", READ, "batches", 20),
        NavItem("Batches", "ebr:batches", "layers", READ, "batches", 30),
        NavItem(
            "Verification queue", "ebr:verify_queue", "check", "ebr.verify_steps", "batches", 40
        ),
        NavItem("Deviations", "ebr:deviations", "alert", READ, "batches", 50),
        NavItem("Genealogy", "ebr:genealogy", "share", READ, "batches", 55),
        NavItem(
            "Batch review", "ebr:review_queue", "clipboard", "ebr.review_batches", "batches", 60
        ),
    )
    role_permissions = {
        R.OPERATOR: {READ, "ebr.execute_steps", "ebr.raise_deviations", "ebr.charge_feeds"},
        R.SUPERVISOR: {
            READ,
            "ebr.execute_steps",
            "ebr.verify_steps",
            "ebr.manage_lots",
            "ebr.manage_batches",
            "ebr.raise_deviations",
            "ebr.charge_feeds",
        },
        R.QA_REVIEWER: {
            READ,
            "ebr.review_batches",
            "ebr.release_batches",
            "ebr.dispose_lots",
            "ebr.approve_master_records",
            "ebr.raise_deviations",
        },
        R.AUDITOR: {READ},
        R.PROCESS_ENGINEER: {READ, "ebr.manage_master_records", "ebr.manage_lines"},
        # An MES or LIMS: reads, creates lots, and carries people's signatures for what
        # their roles allow (API.md, "Acting for a person").
        R.INTEGRATION: {READ, "ebr.manage_lots", "ebr.manage_batches", "ebr.charge_feeds", CARRY},
    }

    def ready(self) -> None:
        # The historian announces stored samples; the batch records watch their CPPs.
        from ebr.tasks import on_samples_stored
        from historian.signals import samples_stored

        samples_stored.connect(on_samples_stored, dispatch_uid="ebr-cpp-monitor")
        # The batch records' own review exceptions and release blockers, registered as any
        # other app's are (the LIMS bridge and genealogy add theirs).
        from ebr import providers
        from ebr.selectors.review import batch_record_blockers, batch_record_exceptions

        providers.register_review_exceptions(batch_record_exceptions)
        providers.register_release_blockers(batch_record_blockers)
        # Genealogy: material inside the diversion window of a CPP excursion on a feeder.
        from ebr.selectors.diversion import diversion_exceptions

        providers.register_review_exceptions(diversion_exceptions)
