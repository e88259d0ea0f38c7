"""RTD models per line and feeder, versioned and effective-dated: append-only, audited."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0007_review_and_disposition"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RtdModelVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("feeder", models.CharField(db_collation="C", max_length=60)),
                ("version", models.PositiveIntegerField()),
                ("model", models.CharField(max_length=20)),
                ("n", models.FloatField(blank=True, null=True)),
                ("peclet", models.FloatField(blank=True, null=True)),
                ("boundary", models.CharField(default="closed", max_length=6)),
                ("tau_s", models.FloatField()),
                ("delay_s", models.FloatField(default=0.0)),
                ("effective_from", models.DateTimeField()),
                ("reason", models.TextField()),
                (
                    "created_at",
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
                        related_name="rtd_models",
                        to="ebr.line",
                    ),
                ),
            ],
            options={
                "db_table": "ebr_rtd_model",
                "ordering": ["line_id", "feeder", "version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("line", "feeder", "version"), name="ebr_rtd_model_version"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("model__in", ["tanks_in_series", "axial_dispersion"])),
                        name="ebr_rtd_model_kind",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("tau_s__gt", 0), ("delay_s__gte", 0)),
                        name="ebr_rtd_model_times",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True),
                        name="ebr_rtd_model_reason",
                    ),
                ],
            },
        ),
        AuditedTable("ebr_rtd_model", append_only=True),
    ]
