"""The success metrics, read from the day rollups and the booking records, over any period
and compared with the period of equal length before it (docs/explanation/insights.md).

- ``period``: ``Period`` (UTC days, a city, a category) and ``Target``;
- ``readings``: the rollup sums and the domain's figures one period needs;
- ``metrics``: ``METRICS`` (each with its written definition and the plan's target) and
  ``period_metrics(period)``;
- ``tables``: top pages, sources, the known cities and categories.

Reads: the ``DailyStat`` rows of both periods (one query), the return-visitor days,
registrations, bookings and captured payments (a few indexed aggregates): no raw page view.
"""

from midas.insights.selectors.metrics import (
    BY_KEY,
    FUNNEL,
    FUNNEL_DEFINITION,
    METRICS,
    NO_DATA,
    Figure,
    FunnelStep,
    Insights,
    Metric,
    period_metrics,
)
from midas.insights.selectors.period import DAY, Period, Target
from midas.insights.selectors.readings import (
    Readings,
    Totals,
    bookings_of,
    readings_of,
    registrations_of,
    returners_of,
    revenue_of,
    support_of,
    totals_of,
)
from midas.insights.selectors.tables import slices_known, top_pages, top_sources

__all__ = [
    "BY_KEY",
    "DAY",
    "FUNNEL",
    "FUNNEL_DEFINITION",
    "METRICS",
    "NO_DATA",
    "Figure",
    "FunnelStep",
    "Insights",
    "Metric",
    "Period",
    "Readings",
    "Target",
    "Totals",
    "bookings_of",
    "period_metrics",
    "readings_of",
    "registrations_of",
    "returners_of",
    "revenue_of",
    "slices_known",
    "support_of",
    "top_pages",
    "top_sources",
    "totals_of",
]
