from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "midas.notifications"
    label = "notifications"
    verbose_name = "Notifications"
