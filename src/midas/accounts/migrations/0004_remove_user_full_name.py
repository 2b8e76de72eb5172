# full_name is now derived from first_name and last_name (User.full_name, get_full_name).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_split_full_name"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="full_name"),
    ]
