# Data only: full_name becomes first_name + last_name (split at the first space), and back.
# Staff accounts already in the database count as verified (they were made by hand).

from django.db import migrations


def split_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.all().iterator():
        first, _, last = (user.full_name or "").strip().partition(" ")
        user.first_name, user.last_name = first, last.strip()
        fields = ["first_name", "last_name"]
        if user.is_staff and user.email_verified_at is None:
            user.email_verified_at = user.date_joined
            fields.append("email_verified_at")
        user.save(update_fields=fields)


def join_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.all().iterator():
        user.full_name = f"{user.first_name} {user.last_name}".strip()[:150]
        user.save(update_fields=["full_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_fields"),
    ]

    operations = [migrations.RunPython(split_names, join_names)]
