"""The headline analytics on ``/metrics`` (gauges over the last 7 UTC days, today included,
read from the day rollups at scrape time; ``midas.slo.prometheus`` registers the collector).

A metric with no data yet (no sessions, no load times) has no sample: alert on ``absent()``.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

WINDOW_DAYS = 7
# key in selectors.METRICS -> (gauge name, help, scale applied to the figure's value)
GAUGES = {
    "visitors": ("midas_insights_visitors", "Visitors, last 7 days (daily uniques summed)", 1),
    "sessions": ("midas_insights_sessions", "Sessions, last 7 days", 1),
    "bounce": ("midas_insights_bounce_ratio", "Single-page sessions / sessions, 7 days", 0.01),
    "session": ("midas_insights_session_seconds", "Average session length, 7 days", 1),
    "pages": ("midas_insights_pages_per_session", "Page views / sessions, 7 days", 1),
    "mobile": ("midas_insights_mobile_ratio", "Phone visitors / visitors, 7 days", 0.01),
    "return": ("midas_insights_return_ratio", "Return visitors within 7 days, ratio", 0.01),
    "mobile_load": ("midas_insights_mobile_load_seconds", "Average page load on phones", 1),
    "conversion": ("midas_insights_conversion_ratio", "Paid bookings / visitors, 7 days", 0.01),
}


class InsightsCollector(Collector):
    def collect(self):
        from midas.insights.selectors import Period, period_metrics
        from midas.insights.services import utc_today

        today = utc_today()
        start = today - dt.timedelta(days=WINDOW_DAYS - 1)
        insights = period_metrics(Period(start, today + dt.timedelta(days=1)))
        for key, (name, text, scale) in GAUGES.items():
            figure = insights.figure(key)
            if figure.value is not None:
                yield GaugeMetricFamily(name, text, value=figure.value * scale)
        revenue = GaugeMetricFamily(
            "midas_insights_revenue_minor",
            "Captured revenue, last 7 days, in minor units per currency",
            labels=["currency"],
        )
        for currency, minor in sorted(insights.revenue.items()):
            revenue.add_metric([currency], minor)
        yield revenue
