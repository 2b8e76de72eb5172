"""Tables beside the metrics: top pages, sources, and the slices the rollups know."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from midas.insights.models import DailyPage, DailySource, DailyStat
from midas.insights.selectors.period import Period


def top_pages(period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """Most viewed paths with their entries and exits (all cities and categories)."""
    rows = (
        DailyPage.objects.filter(day__gte=period.start, day__lt=period.end)
        .values("path")
        .annotate(v=Sum("views"), e=Sum("entries"), x=Sum("exits"))
        .order_by("-v", "path")
    )
    return [dict(row) for row in rows[:limit]]


def top_sources(period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """Sessions and bounces by UTM source / referrer / "direct", most sessions first."""
    rows = (
        DailySource.objects.filter(day__gte=period.start, day__lt=period.end)
        .values("source", "medium", "campaign")
        .annotate(s=Sum("sessions"), b=Sum("bounces"))
        .order_by("-s", "source")
    )
    return [dict(row) for row in rows[:limit]]


def slices_known() -> tuple[list[str], list[str]]:
    """Cities and categories that appear in the rollups (the dashboard's filter choices)."""
    cities = DailyStat.objects.exclude(city="").values_list("city", flat=True).distinct()
    categories = DailyStat.objects.exclude(category="").values_list("category", flat=True)
    return sorted(set(cities)), sorted(set(categories.distinct()))
