from django.apps import AppConfig


class LaunchConfig(AppConfig):
    name = "midas.launch"
    label = "launch"
    verbose_name = "Launch"
