"""Versioned master batch records, audited; a signed (approved) definition is guarded."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0002_lines_and_lots"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="ebrcapability",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("view_batch_records", "Read lines, lots, master records and batches"),
                    ("execute_steps", "Execute batch record steps"),
                    ("verify_steps", "Verify batch record steps performed by others"),
                    ("review_batches", "Review batches by exception, handle deviations"),
                    ("release_batches", "Release or reject batches"),
                    ("manage_master_records", "Author master batch records"),
                    ("approve_master_records", "Approve master batch records, make them effective"),
                    ("manage_lines", "Define lines and their RTD models"),
                    ("manage_lots", "Create material lots"),
                    ("dispose_lots", "Release or reject material lots"),
                    ("act_for_people", "Carry a person's signature for what their role allows"),
                ],
            },
        ),
        migrations.CreateModel(
            name="MasterRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(db_collation="C", max_length=60)),
                ("version", models.PositiveIntegerField()),
                ("product", models.CharField(max_length=200)),
                ("title", models.CharField(max_length=300)),
                (
                    "batch_definition",
                    models.CharField(
                        choices=[("time", "Time"), ("quantity", "Quantity")],
                        default="time",
                        max_length=10,
                    ),
                ),
                ("late_after", models.DurationField()),
                ("steps", models.JSONField(default=list)),
                ("parameter_specs", models.JSONField(default=list)),
                ("lims_tests", models.JSONField(default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("in_review", "In Review"),
                            ("approved", "Approved"),
                            ("effective", "Effective"),
                            ("retired", "Retired"),
                        ],
                        default="draft",
                        max_length=12,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "updated_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="master_records",
                        to="ebr.line",
                    ),
                ),
            ],
            options={
                "db_table": "ebr_master_record",
                "ordering": ["code", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("code", "version"), name="ebr_master_version"),
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["draft", "in_review"])),
                        fields=("code",),
                        name="ebr_master_one_unfinished",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "effective")),
                        fields=("code",),
                        name="ebr_master_one_effective",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                ["draft", "in_review", "approved", "effective", "retired"],
                            )
                        ),
                        name="ebr_master_status",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("batch_definition__in", ["time", "quantity"])),
                        name="ebr_master_definition",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("version__gte", 1)), name="ebr_master_v1"
                    ),
                ],
            },
        ),
        AuditedTable(
            "ebr_master_record",
            signed_fields=(
                "id",
                "code",
                "version",
                "product",
                "title",
                "line_id",
                "batch_definition",
                "late_after",
                "steps",
                "parameter_specs",
                "lims_tests",
                "author_id",
            ),
            never_deleted=True,
        ),
    ]
