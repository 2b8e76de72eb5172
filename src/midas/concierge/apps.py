from django.apps import AppConfig


class ConciergeConfig(AppConfig):
    """A person within reach: support tickets, live chat and reviews."""

    name = "midas.concierge"
    label = "concierge"
    verbose_name = "Concierge"
