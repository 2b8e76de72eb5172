from django.apps import AppConfig


class SloConfig(AppConfig):
    name = "midas.slo"
    label = "slo"
    verbose_name = "Service levels"

    def ready(self) -> None:
        from midas.slo import keep

        keep.register()  # the measurements survive a database restore (slo/keep.py)
