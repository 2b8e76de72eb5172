from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "midas.web"
    label = "web"
    verbose_name = "Website"

    def ready(self) -> None:
        from midas.web import checks  # noqa: F401  (registers the production checks)
