"""Continuous batches: windows on a line that never overlap (an exclusion constraint over
tstzrange; btree_gist comes from deploy/sql/database.sql), audited row by row."""

import datetime

import django.contrib.postgres.constraints
import django.db.models.deletion
import django.db.models.functions.comparison
import django.db.models.functions.datetime
from django.db import migrations, models

import ebr.models
from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0003_master_records"),
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
                    ("manage_batches", "Create, start and close batches; cancel a planned one"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Batch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("batch_number", models.CharField(db_collation="C", max_length=60, unique=True)),
                (
                    "batch_definition",
                    models.CharField(
                        choices=[("time", "Time"), ("quantity", "Quantity")], max_length=10
                    ),
                ),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField(blank=True, null=True)),
                ("planned_quantity", models.FloatField(blank=True, null=True)),
                ("actual_quantity", models.FloatField(blank=True, null=True)),
                ("unit", models.CharField(blank=True, max_length=20)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("in_progress", "In Progress"),
                            ("closed", "Closed"),
                            ("under_review", "Under Review"),
                            ("released", "Released"),
                            ("rejected", "Rejected"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="planned",
                        max_length=14,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="batches",
                        to="ebr.line",
                    ),
                ),
                (
                    "master_record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="batches",
                        to="ebr.masterrecord",
                    ),
                ),
            ],
            options={
                "db_table": "ebr_batch",
                "ordering": ["line_id", "start"],
                "constraints": [
                    django.contrib.postgres.constraints.ExclusionConstraint(
                        condition=models.Q(("status", "cancelled"), _negated=True),
                        expressions=[
                            ("line", "="),
                            (
                                ebr.models.TsTzRange(
                                    "start",
                                    django.db.models.functions.comparison.Coalesce(
                                        "end",
                                        models.Value(
                                            datetime.datetime(
                                                9999,
                                                12,
                                                31,
                                                23,
                                                59,
                                                59,
                                                999999,
                                                tzinfo=datetime.UTC,
                                            )
                                        ),
                                    ),
                                ),
                                "&&",
                            ),
                        ],
                        name="ebr_batch_windows_do_not_overlap",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("end__isnull", True), ("end__gt", models.F("start")), _connector="OR"
                        ),
                        name="ebr_batch_window",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "planned",
                                    "in_progress",
                                    "closed",
                                    "under_review",
                                    "released",
                                    "rejected",
                                    "cancelled",
                                ],
                            )
                        ),
                        name="ebr_batch_status",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("planned_quantity__isnull", True),
                            ("planned_quantity__gt", 0),
                            _connector="OR",
                        ),
                        name="ebr_batch_planned_quantity",
                    ),
                ],
            },
        ),
        AuditedTable("ebr_batch", never_deleted=True),
    ]
