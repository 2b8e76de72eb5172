from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "midas.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
