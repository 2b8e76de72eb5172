from django.db import migrations

COMPONENTS = [
    ("website", "Website", "The public site: the collection, asset pages and quotes."),
    ("booking", "Booking", "Checkout, holds and booking management."),
    ("payments", "Payments", "Card payments, deposits and refunds."),
    ("email", "Email", "Confirmations, receipts and reminders."),
    ("api", "API", "The JSON API at /api/v1/."),
]


def seed(apps, schema_editor):
    Component = apps.get_model("status", "Component")
    for position, (key, name, description) in enumerate(COMPONENTS):
        Component.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "position": position}
        )


def unseed(apps, schema_editor):
    Component = apps.get_model("status", "Component")
    Component.objects.filter(key__in=[key for key, _, _ in COMPONENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("status", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
