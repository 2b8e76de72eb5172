"""``midas slo``: the table and the JSON."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.slo.conftest import add_minute, add_probe

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("slo", *args, stdout=out)
    return out.getvalue()


def test_json_for_one_window():
    minute = timezone.now().replace(second=0, microsecond=0)
    add_minute(minute, le_100=1001, errors=1, duration_ms_sum=100_100)
    add_probe(minute)
    body = json.loads(run("--window", "1h", "--json"))
    assert body["targets"] == {"uptime_pct": 99.9, "avg_ms": 2500.0, "error_rate_pct": 0.1}
    [window] = body["windows"]
    assert window["window"] == "1h"
    assert window["requests"] == 1001
    assert window["error_rate_pct"] == pytest.approx(100 / 1001)  # 0.0999 %: passes
    assert window["avg_ms"] == pytest.approx(100.0)
    assert window["uptime_pct"] == 100.0
    assert window["pass"] == {"uptime": True, "avg": True, "error_rate": True}


def test_any_range_and_the_table():
    start = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
    add_minute(start, le_2500=4)
    body = json.loads(run("--start", "2027-01-04T12:00", "--end", "2027-01-04T13:00", "--json"))
    assert body["windows"][0]["requests"] == 4
    table = run()
    for name in ("5m", "1h", "24h", "7d", "uptime", "error rate", "average", "p95"):
        assert name in table
    assert "no data" in table
