"""Bad samples indexed apart (historian/frozen/v3.py): reads asking bad samples back add them
to the rollups instead of reducing every stored row."""

from django.db import migrations

from historian.frozen.v3 import BAD_SAMPLES_INDEX


class Migration(migrations.Migration):
    dependencies = [("historian", "0010_rollups_drained")]

    operations = [
        migrations.RunSQL(BAD_SAMPLES_INDEX, "DROP INDEX historian_sample_bad;"),
    ]
