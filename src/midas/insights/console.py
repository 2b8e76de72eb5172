"""``/ops/insights/``: the launch plan's success metrics for staff — numbers against their
targets, server-drawn SVG charts (``midas.ops.console.charts``: no script, no library), the
funnel, top pages and sources; filter by period, city and category; CSV export
(docs/explanation/insights.md, "Reading the dashboard").

Staff only (the ops console's rule: anonymous visitors go to the login page, others get a
404). A bad filter answers 400 with a machine-readable code, never a 500.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from midas.errors import ErrorCode
from midas.insights.selectors import (
    FUNNEL_DEFINITION,
    Insights,
    Period,
    period_metrics,
    slices_known,
    top_pages,
    top_sources,
)
from midas.insights.services import rollup_recent, utc_today
from midas.ops.console.charts import bar_chart, line_chart
from midas.ops.console.views import staff_only

PRESETS = {"1": "Today", "7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}
MAX_DAYS = 400
DAY = dt.timedelta(days=1)


class BadFilter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _slug(value: str, field: str) -> str:
    if value and (len(value) > 50 or not value.replace("-", "").replace("_", "").isalnum()):
        raise BadFilter(field, f"'{field}' must be a slug.")
    return value


def period_from(query) -> Period:
    """``?days=7`` (default) or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (end included),
    ``&city=<slug>&category=<slug>``."""
    city, category = (
        _slug(query.get("city", ""), "city"),
        _slug(query.get("category", ""), "category"),
    )
    today = utc_today()
    if query.get("start") or query.get("end"):
        try:
            start = dt.date.fromisoformat(query.get("start", ""))
            last = dt.date.fromisoformat(query.get("end", "")) if query.get("end") else today
        except ValueError as exc:
            raise BadFilter("start", "Dates are YYYY-MM-DD.") from exc
        if last < start:
            raise BadFilter("end", "The end comes before the start.")
        if (last - start).days >= MAX_DAYS:
            raise BadFilter("start", f"A period is at most {MAX_DAYS} days.")
        return Period(start, last + DAY, city, category)
    days = query.get("days", "7")
    if days not in PRESETS:
        raise BadFilter("days", f"'days' is one of {', '.join(PRESETS)}.")
    return Period(today - (int(days) - 1) * DAY, today + DAY, city, category)


def refused(exc: BadFilter) -> JsonResponse:
    body = {"code": str(ErrorCode.INVALID_INPUT), "message": str(exc), "field": exc.field}
    return JsonResponse({"error": body}, status=400)


def charts(insights: Insights) -> dict:
    labels = [f"{day:%d %b}" for day, _ in insights.daily]
    days = [figures for _, figures in insights.daily]

    def share(part: str, whole: str) -> list[float | None]:
        return [d.get(part, 0) / d[whole] * 100 if d.get(whole) else None for d in days]

    return {
        "traffic": bar_chart(
            "Visitors and sessions per day",
            labels,
            [
                ("visitors", "#8a6d1f", [d.get("visitors", 0) for d in days]),
                ("sessions", "#2f4858", [d.get("sessions", 0) for d in days]),
            ],
            y_label="count",
            x_label="Day (UTC)",
        ),
        "rates": line_chart(
            "Bounce rate and mobile share per day (%)",
            labels,
            [
                ("bounce rate", "#b3261e", share("bounces", "sessions")),
                ("mobile share", "#2e7d32", share("mobile_visitors", "visitors")),
            ],
            y_label="%",
            x_label="Day (UTC)",
            unit="%",
        ),
        "funnel": bar_chart(
            "Funnel: sessions reaching each step",
            [s.label for s in insights.funnel],
            [("sessions", "#2f4858", [s.sessions for s in insights.funnel])],
            y_label="sessions",
            x_label="Step",
        ),
    }


@never_cache
@require_GET
@staff_only
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        period = period_from(request.GET)
    except BadFilter as exc:
        return refused(exc)
    insights = period_metrics(period)
    cities, categories = slices_known()
    return render(
        request,
        "insights/dashboard.html",
        {
            "insights": insights,
            "period": period,
            "charts": charts(insights),
            "pages": top_pages(period),
            "sources": top_sources(period),
            "cities": cities,
            "categories": categories,
            "presets": PRESETS,
            "days": request.GET.get("days", "" if request.GET.get("start") else "7"),
            "query": request.GET.urlencode(),
            "funnel_definition": FUNNEL_DEFINITION,
        },
    )


@never_cache
@require_GET
@staff_only
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as CSV: one row per metric, then the funnel."""
    try:
        period = period_from(request.GET)
    except BadFilter as exc:
        return refused(exc)
    insights = period_metrics(period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"midas-insights-{period.start}-{period.end - DAY}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    out = csv.writer(response)
    out.writerow(["metric", "value", "previous", "target", "verdict", "period", "city",
                  "category", "definition"])  # fmt: skip
    for figure in insights.figures:
        verdict = {True: "pass", False: "fail", None: ""}[figure.met]
        target = figure.target.said if figure.target else ""
        out.writerow([
            figure.label, figure.shown, figure.previous_shown, target, verdict,
            period.label(), period.city or "all", period.category or "all", figure.definition,
        ])  # fmt: skip
    for currency, minor in insights.revenue.items():
        out.writerow([f"Revenue {currency} (minor units)", minor, "", "", "", period.label(),
                      period.city or "all", period.category or "all", ""])  # fmt: skip
    for step in insights.funnel:
        drop = "" if step.drop_pct is None else f"{step.drop_pct:.1f}%"
        out.writerow([f"Funnel: {step.label}", step.sessions, step.previous, "", drop,
                      period.label(), period.city or "all", period.category or "all",
                      FUNNEL_DEFINITION])  # fmt: skip
    return response


@require_POST
@staff_only
def refresh(request: HttpRequest) -> HttpResponse:
    """Roll up today and yesterday now (the worker does it every 10 minutes)."""
    rollup_recent()
    query = request.POST.get("query", "")
    target = "insights_console:dashboard"
    return redirect(f"/ops/insights/?{query}" if query else target)


app_name = "insights_console"
urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("export.csv", export, name="export"),
    path("refresh", refresh, name="refresh"),
]
