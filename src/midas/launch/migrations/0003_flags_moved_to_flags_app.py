"""The feature flags moved to their own app (``midas.flags``): copy the rows, then drop the
launch's table. Reversible: the rows go back the same way."""

from django.db import migrations

FIELDS = ("key", "description", "state", "percent", "changed_by_id", "created_at", "updated_at")


def copy(source, target):
    def run(apps, schema_editor):
        old = apps.get_model(*source)
        new = apps.get_model(*target)
        new.objects.bulk_create(
            new(**{f: getattr(row, f) for f in FIELDS}) for row in old.objects.all()
        )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("launch", "0002_response_security_signals"),
        ("flags", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            copy(("launch", "Flag"), ("flags", "Flag")),
            copy(("flags", "Flag"), ("launch", "Flag")),
        ),
        migrations.DeleteModel(name="Flag"),
    ]
