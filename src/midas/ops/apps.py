from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "midas.ops"
    label = "ops"
    verbose_name = "Operations"
