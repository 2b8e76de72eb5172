from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """First-party analytics and the launch plan's success metrics
    (docs/explanation/insights.md)."""

    name = "midas.insights"
    label = "insights"
    verbose_name = "Insights"
