from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Live chat: a visitor and the concierge in real time."""

    name = "midas.concierge.chat"
    label = "chat"
    verbose_name = "Live chat"
