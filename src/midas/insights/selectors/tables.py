"""Tables beside the metrics: top pages, sources, and the slices the rollups know."""

from __future__ import annotations

from django.db.models import Sum

from midas.insights.models import DailyPage, DailySource, DailyStat
from midas.insights.selectors.period import Period


def top_pages(period: Period, limit: int = 10) -> list[dict]:
    """Most viewed paths with their entries and exits (all cities and categories)."""
    rows = DailyPage.objects.filter(day__gte=period.start, day__lt=period.end)
    rows = rows.values("path").annotate(v=Sum("views"), e=Sum("entries"), x=Sum("exits"))
    return list(rows.order_by("-v", "path")[:limit])


def top_sources(period: Period, limit: int = 10) -> list[dict]:
    rows = DailySource.objects.filter(day__gte=period.start, day__lt=period.end)
    rows = rows.values("source", "medium", "campaign").annotate(s=Sum("sessions"), b=Sum("bounces"))
    return list(rows.order_by("-s", "source")[:limit])


def slices_known() -> tuple[list[str], list[str]]:
    """Cities and categories that appear in the rollups (the dashboard's filter choices)."""
    cities = DailyStat.objects.exclude(city="").values_list("city", flat=True).distinct()
    categories = DailyStat.objects.exclude(category="").values_list("category", flat=True)
    return sorted(set(cities)), sorted(set(categories.distinct()))
