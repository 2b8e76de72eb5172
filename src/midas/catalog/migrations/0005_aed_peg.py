"""The UAE dirham's official peg to the US dollar (3.6725 since 1997) and the dollar itself."""

from decimal import Decimal

from django.db import migrations

RATES = (("USD", Decimal("1"), "The reference currency"), ("AED", Decimal("3.6725"), "Pegged"))


def add_rates(apps, schema_editor):
    ExchangeRate = apps.get_model("catalog", "ExchangeRate")
    for currency, per_usd, note in RATES:
        ExchangeRate.objects.get_or_create(
            currency=currency, defaults={"per_usd": per_usd, "pegged": True, "note": note}
        )


def remove_rates(apps, schema_editor):
    ExchangeRate = apps.get_model("catalog", "ExchangeRate")
    ExchangeRate.objects.filter(currency__in=[c for c, _, _ in RATES], pegged=True).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_subcategory_rates_legacy")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
