from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "midas.flags"
    label = "flags"
    verbose_name = "Feature flags"
