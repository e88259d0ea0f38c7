"""Saved trend displays, each person's own; audited row by row like every historian table."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("historian", "0008_tag_process_limits"),
        ("audit", "0010_signed_fields_guard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TrendDisplay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                (
                    "tags",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=200), size=None
                    ),
                ),
                (
                    "layout",
                    models.CharField(
                        choices=[("axes", "Axes"), ("lanes", "Lanes")],
                        default="axes",
                        max_length=10,
                    ),
                ),
                ("last", models.CharField(blank=True, default="", max_length=10)),
                ("start", models.DateTimeField(blank=True, null=True)),
                ("end", models.DateTimeField(blank=True, null=True)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "updated_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "historian_trend_display",
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner", "name"), name="historian_display_name"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("layout__in", ["axes", "lanes"])),
                        name="historian_display_layout",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("end__isnull", True),
                                ("last__in", ["", "1h", "8h", "24h", "7d", "30d"]),
                                ("start__isnull", True),
                            ),
                            models.Q(("last", ""), ("start__lt", models.F("end"))),
                            _connector="OR",
                        ),
                        name="historian_display_window",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("tags__len__gte", 1)), name="historian_display_tags"
                    ),
                ],
            },
        ),
        AuditedTable("historian_trend_display"),
    ]
