# Profile fields (names, date of birth, driving licence, verification, beta) and API tokens.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="first_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="user",
            name="last_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="user",
            name="date_of_birth",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="licence_number",
            field=models.CharField(
                blank=True, max_length=40, verbose_name="driving licence number"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="licence_country",
            field=models.CharField(
                blank=True,
                help_text="ISO 3166 country code, e.g. US",
                max_length=2,
                verbose_name="licence issued in",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="licence_expiry",
            field=models.DateField(blank=True, null=True, verbose_name="licence valid until"),
        ),
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="is_beta",
            field=models.BooleanField(
                default=False,
                help_text="Admitted to the beta phase of the launch",
                verbose_name="beta tester",
            ),
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                (
                    "prefix",
                    models.CharField(help_text="The token's first characters", max_length=12),
                ),
                ("name", models.CharField(blank=True, max_length=80)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created_at"],
            },
        ),
    ]
