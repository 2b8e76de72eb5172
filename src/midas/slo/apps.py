from django.apps import AppConfig


class SloConfig(AppConfig):
    name = "midas.slo"
    label = "slo"
    verbose_name = "Service levels"
