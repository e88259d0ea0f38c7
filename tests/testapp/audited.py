"""The test stand-in's audited table."""

from audit.catalogue import AuditedTable
from tests.testapp.models import Specimen

AUDITED_TABLES = [
    AuditedTable(
        "testapp_specimen",
        history_table="testapp_specimen_history",
        signed_fields=Specimen.signed_fields,
    ),
    AuditedTable("testapp_specimen_history", capture=False, append_only=True),
]
