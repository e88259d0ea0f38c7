"""Lines and material lots, audited row by row; a signed lot is guarded, none deleted."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [
        ("ebr", "0001_initial"),
        ("historian", "0009_trend_display"),
        ("audit", "0010_signed_fields_guard"),
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
                    ("manage_lines", "Define lines and their RTD models"),
                    ("manage_lots", "Create material lots"),
                    ("dispose_lots", "Release or reject material lots"),
                    ("act_for_people", "Carry a person's signature for what their role allows"),
                ],
            },
        ),
        migrations.CreateModel(
            name="MaterialLot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("material", models.CharField(db_collation="C", max_length=100)),
                ("lot", models.CharField(db_collation="C", max_length=100)),
                ("supplier", models.CharField(blank=True, max_length=200)),
                ("supplier_lot", models.CharField(blank=True, max_length=100)),
                ("quantity", models.FloatField(blank=True, null=True)),
                ("unit", models.CharField(blank=True, max_length=20)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("quarantine", "Quarantine"),
                            ("released", "Released"),
                            ("rejected", "Rejected"),
                        ],
                        default="quarantine",
                        max_length=20,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
            ],
            options={
                "db_table": "ebr_material_lot",
                "ordering": ["material", "lot"],
                "constraints": [
                    models.UniqueConstraint(fields=("material", "lot"), name="ebr_lot_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["quarantine", "released", "rejected"])),
                        name="ebr_lot_status",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("quantity__isnull", True), ("quantity__gt", 0), _connector="OR"
                        ),
                        name="ebr_lot_quantity",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Line",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(db_collation="C", max_length=40, unique=True)),
                ("name", models.CharField(max_length=200)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "equipment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="line",
                        to="historian.equipment",
                    ),
                ),
                (
                    "outlet_tag",
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
                "db_table": "ebr_line",
                "ordering": ["code"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("code__regex", "^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")),
                        name="ebr_line_code",
                    )
                ],
            },
        ),
        AuditedTable("ebr_line", never_deleted=True),
        AuditedTable(
            "ebr_material_lot",
            signed_fields=(
                "id",
                "material",
                "lot",
                "supplier",
                "supplier_lot",
                "quantity",
                "unit",
                "expires_at",
                "status",
            ),
            never_deleted=True,
        ),
    ]
