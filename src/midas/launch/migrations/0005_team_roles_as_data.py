"""The launch team as the go-live plan has it (issue 11, item 8): roles are data (a name, a
free key, whether the role signs the go/no-go, level 0 for on-call roles), the
customer-service rota's shifts, what each vendor is used for. An earlier install's joint
"executive" role becomes the CEO's (its contacts and checklist items go with it); the CTO,
legal and PR roles and the plan's vendors come with the next ``midas launch plan init``."""

import django.db.models.deletion
from django.db import migrations, models

SIGNERS = ("coordinator", "ceo", "cto")


def roles_forward(apps, schema_editor):
    LaunchRole = apps.get_model("launch", "LaunchRole")
    executive = LaunchRole.objects.filter(key="executive").first()
    if executive is not None and not LaunchRole.objects.filter(key="ceo").exists():
        executive.key, executive.name = "ceo", "CEO"
        executive.save(update_fields=["key", "name"])
    LaunchRole.objects.filter(key__in=SIGNERS).update(signs_gonogo=True)


class Migration(migrations.Migration):
    dependencies = [
        ("launch", "0004_contact_slack_user_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="launchrole",
            name="key",
            field=models.SlugField(max_length=32, unique=True),
        ),
        migrations.AddField(
            model_name="launchrole",
            name="name",
            field=models.CharField(
                blank=True, help_text="Shown; empty: from the key", max_length=80
            ),
        ),
        migrations.AddField(
            model_name="launchrole",
            name="signs_gonogo",
            field=models.BooleanField(
                default=False, help_text="Signs the go/no-go record (approves or rejects it)"
            ),
        ),
        migrations.AlterField(
            model_name="launchrole",
            name="escalation_level",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="1 technical team, 2 management, 3 executive, 0 not escalated",
            ),
        ),
        migrations.AddField(
            model_name="vendorcontact",
            name="used_for",
            field=models.CharField(
                blank=True, help_text="What Midas uses the vendor for", max_length=200
            ),
        ),
        migrations.CreateModel(
            name="RotaShift",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(max_length=120)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, max_length=40)),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                (
                    "role",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shifts",
                        to="launch.launchrole",
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at", "name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                        name="launch_rota_shift_ends_after_start",
                    )
                ],
            },
        ),
        migrations.RunPython(roles_forward, migrations.RunPython.noop),
    ]
