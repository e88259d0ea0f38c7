"""Deviations, numbered from a sequence (DEV-0001 …), audited; QA's closing signature is
guarded."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0004_batches"),
        ("historian", "0009_trend_display"),
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
                    ("raise_deviations", "Raise a manual deviation"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Deviation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(db_collation="C", max_length=20, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cpp_excursion", "Cpp Excursion"),
                            ("oos", "Oos"),
                            ("step_limit", "Step Limit"),
                            ("manual", "Manual"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "severity",
                    models.CharField(
                        choices=[("minor", "Minor"), ("major", "Major"), ("critical", "Critical")],
                        default="minor",
                        max_length=10,
                    ),
                ),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField(blank=True, null=True)),
                ("description", models.TextField()),
                ("details", models.JSONField(blank=True, default=dict)),
                (
                    "source_key",
                    models.CharField(blank=True, max_length=200, null=True, unique=True),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("investigating", "Investigating"),
                            ("closed", "Closed"),
                        ],
                        default="open",
                        max_length=14,
                    ),
                ),
                ("root_cause", models.TextField(blank=True)),
                ("impact", models.TextField(blank=True)),
                ("capa", models.CharField(blank=True, max_length=200)),
                ("raised_by", models.CharField(max_length=150)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deviations",
                        to="ebr.batch",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deviations",
                        to="ebr.line",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="historian.tag",
                    ),
                ),
            ],
            options={
                "db_table": "ebr_deviation",
                "ordering": ["-start", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind__in", ["cpp_excursion", "oos", "step_limit", "manual"])
                        ),
                        name="ebr_deviation_kind",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("severity__in", ["minor", "major", "critical"])),
                        name="ebr_deviation_severity",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["open", "investigating", "closed"])),
                        name="ebr_deviation_status",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("end__isnull", True), ("end__gte", models.F("start")), _connector="OR"
                        ),
                        name="ebr_deviation_window",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "closed"), _negated=True),
                            models.Q(
                                models.Q(("root_cause", ""), _negated=True),
                                models.Q(("impact", ""), _negated=True),
                                models.Q(("capa", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="ebr_deviation_closed_complete",
                    ),
                ],
            },
        ),
        # The runtime role may use it: the owner's default privileges grant it.
        migrations.RunSQL(
            "CREATE SEQUENCE ebr_deviation_number", "DROP SEQUENCE ebr_deviation_number"
        ),
        AuditedTable(
            "ebr_deviation",
            signed_fields=(
                "id",
                "number",
                "line_id",
                "batch_id",
                "kind",
                "severity",
                "tag_id",
                "start",
                "end",
                "description",
                "details",
                "status",
                "root_cause",
                "impact",
                "capa",
            ),
            never_deleted=True,
        ),
    ]
