from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "midas.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from midas.notifications import (
            checks,  # noqa: F401  (registers the email checks)
            keep,
        )

        keep.register()  # sent and queued messages survive a database restore (keep.py)
