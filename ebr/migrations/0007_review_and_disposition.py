"""Review by exception (signed, append-only) and the disposition: a signed batch is guarded."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0006_step_execution"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExceptionReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("exception_id", models.CharField(db_collation="C", max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("entry_out_of_limit", "Out-of-limit entry"),
                            ("entry_corrected", "Corrected entry"),
                            ("entry_late", "Late entry"),
                            ("deviation", "Deviation"),
                            ("cpp_excursion", "CPP excursion"),
                            ("lims_oos", "LIMS result out of specification"),
                            ("lims_warning", "LIMS result out of warning limits"),
                            ("lims_revised", "LIMS result revised"),
                            ("lims_missing", "LIMS result missing"),
                            ("step_unsigned", "Unsigned step"),
                            ("step_unverified", "Unverified step"),
                            ("audit_change", "Change after execution"),
                            ("diversion", "Diversion"),
                        ],
                        max_length=20,
                    ),
                ),
                ("summary", models.TextField()),
                ("comment", models.TextField()),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="ebr.batch",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "ebr_exception_review",
                "ordering": ["batch_id", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("batch", "exception_id"), name="ebr_exception_reviewed_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                [
                                    "entry_out_of_limit",
                                    "entry_corrected",
                                    "entry_late",
                                    "deviation",
                                    "cpp_excursion",
                                    "lims_oos",
                                    "lims_warning",
                                    "lims_revised",
                                    "lims_missing",
                                    "step_unsigned",
                                    "step_unverified",
                                    "audit_change",
                                    "diversion",
                                ],
                            )
                        ),
                        name="ebr_exception_kind",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("comment", ""), _negated=True),
                        name="ebr_exception_review_comment",
                    ),
                ],
            },
        ),
        AuditedTable(
            "ebr_exception_review",
            signed_fields=(
                "id",
                "batch_id",
                "exception_id",
                "kind",
                "summary",
                "comment",
                "reviewed_by_id",
            ),
            append_only=True,
        ),
        # QA's disposition signs the batch: its signed fields never change afterwards.
        AuditedTable(
            "ebr_batch",
            signed_fields=(
                "id",
                "batch_number",
                "line_id",
                "master_record_id",
                "batch_definition",
                "start",
                "end",
                "planned_quantity",
                "actual_quantity",
                "unit",
                "status",
                "started_at",
            ),
            never_deleted=True,
        ),
    ]
