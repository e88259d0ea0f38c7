from django.apps import AppConfig

from accounts import roles as R


class EbrConfig(AppConfig):
    name = "ebr"
    verbose_name = "Electronic batch records"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        R.OPERATOR: {"ebr.execute_steps"},
        R.SUPERVISOR: {"ebr.execute_steps", "ebr.verify_steps"},
        R.QA_REVIEWER: {"ebr.review_batches", "ebr.release_batches"},
        R.PROCESS_ENGINEER: {"ebr.manage_master_records"},
    }
