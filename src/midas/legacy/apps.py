from django.apps import AppConfig


class LegacyConfig(AppConfig):
    name = "midas.legacy"
    label = "legacy"
    verbose_name = "Import from the old site"
