from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "midas.status"
    label = "status"
    verbose_name = "Status page"
