"""Step execution: entries and verifications, append-only and audited; when a batch started."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0005_deviations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="StepEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("step_code", models.CharField(db_collation="C", max_length=40)),
                ("values", models.JSONField()),
                ("reason", models.TextField(blank=True)),
                ("out_of_limit", models.JSONField(blank=True, default=list)),
                ("late", models.BooleanField(default=False)),
                ("opened_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="ebr.batch",
                    ),
                ),
                (
                    "corrects",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="ebr.stepentry",
                    ),
                ),
                (
                    "performed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "ebr_step_entry",
                "ordering": ["batch_id", "id"],
            },
        ),
        migrations.CreateModel(
            name="StepVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="verification",
                        to="ebr.stepentry",
                    ),
                ),
                (
                    "verified_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "ebr_step_verification",
            },
        ),
        migrations.AddConstraint(
            model_name="stepentry",
            constraint=models.UniqueConstraint(
                fields=("corrects",), name="ebr_entry_corrected_once"
            ),
        ),
        AuditedTable(
            "ebr_step_entry",
            signed_fields=(
                "id",
                "batch_id",
                "step_code",
                "values",
                "corrects_id",
                "reason",
                "performed_by_id",
                "out_of_limit",
                "late",
                "opened_at",
            ),
            append_only=True,
        ),
        AuditedTable(
            "ebr_step_verification",
            signed_fields=("id", "entry_id", "verified_by_id"),
            append_only=True,
        ),
    ]
