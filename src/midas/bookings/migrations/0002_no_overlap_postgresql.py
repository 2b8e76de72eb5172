"""PostgreSQL: no two active rows of one asset overlap, enforced by the database.

SQLite has no exclusion constraints; there ``reserve`` checks and inserts inside an
IMMEDIATE transaction instead. Both operations are no-ops on other databases.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE bookings_reservation
ADD CONSTRAINT reservation_no_overlap
EXCLUDE USING gist (
    asset_id WITH =,
    tstzrange("start", occupied_until, '[)') WITH &&
) WHERE (status = 'active')
"""
DROP = "ALTER TABLE bookings_reservation DROP CONSTRAINT IF EXISTS reservation_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
