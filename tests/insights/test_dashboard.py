"""``/ops/insights/``: staff only, the hand-counted figures with pass/fail, SVG charts,
filters, CSV export; bad filters are 400s with a code."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import make_driver, make_staff
from tests.insights.scenario import D, play

pytestmark = pytest.mark.django_db
DAY_QUERY = {"start": D.isoformat(), "end": D.isoformat()}


@pytest.fixture
def played(monkeypatch):
    return play(monkeypatch)


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def test_staff_only(client):
    response = client.get("/ops/insights/")
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(make_driver())
    assert client.get("/ops/insights/").status_code == 404
    assert client.get("/ops/insights/export.csv").status_code == 404


def test_the_dashboard_shows_the_hand_count_against_the_targets(played, staff_client):
    response = staff_client.get("/ops/insights/", DAY_QUERY)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    figures = {f.key: f for f in response.context["insights"].figures}
    assert figures["bounce"].shown == "66.7%" and figures["conversion"].shown == "20.00%"
    assert '<tr id="metric-bounce"><th scope="row">Bounce rate</th><td class="num">66.7%' in page
    assert "&lt; 40%" in page and '<span class="fail">fail</span>' in page
    assert '<span class="pass">pass</span>' in page
    assert page.count("<svg") == 3 and "<script" not in page and "style=" not in page
    # the charts say what their axes are: days and the funnel's steps, percentages on hover
    assert page.count(">Day (UTC)</text>") == 2 and ">Step</text>" in page
    assert "Hour (UTC)" not in page and " ms bounce rate" not in page
    assert "Sessions of a single page view" in page  # each definition next to its number


def test_filters_and_csv_export(played, staff_client):
    response = staff_client.get("/ops/insights/", {**DAY_QUERY, "city": "washington-dc"})
    assert response.context["period"].city == "washington-dc"
    figures = {f.key: f.shown for f in response.context["insights"].figures}
    assert figures["sessions"] == "1"
    exported = staff_client.get("/ops/insights/export.csv", DAY_QUERY)
    assert exported["Content-Type"].startswith("text/csv")
    assert "midas-insights-2027-03-01-2027-03-01.csv" in exported["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:5] == ["metric", "value", "previous", "target", "verdict"]
    by_label = {r[0]: r for r in rows[1:]}
    assert by_label["Bounce rate"][1:5] == ["66.7%", "0.0%", "< 40%", "fail"]
    assert by_label["Funnel: Quote"][1] == "1"
    assert by_label["Revenue USD (minor units)"][1] == str(played["booking"].total_minor)


def test_presets(played, staff_client):
    for days in ("1", "7", "30", "90"):
        assert staff_client.get("/ops/insights/", {"days": days}).status_code == 200


@pytest.mark.parametrize(
    "query,field",
    [
        ({"days": "5"}, "days"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2027-03-02", "end": "2027-03-01"}, "end"),
        ({"start": "2020-01-01", "end": "2027-03-01"}, "start"),
        ({"city": "<script>"}, "city"),
        ({"category": "a" * 60}, "category"),
    ],
)
def test_bad_filters_are_400_with_a_code(staff_client, query, field):
    for url in ("/ops/insights/", "/ops/insights/export.csv"):
        response = staff_client.get(url, query)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_input"
        assert response.json()["error"]["field"] == field


def test_roll_up_now(monkeypatch, client):
    from midas.insights.models import DailyStat
    from tests.insights.conftest import DESKTOP
    from tests.insights.scenario import at, browser
    from tests.pinned import pin_now

    pin_now(monkeypatch, at(D, 9))
    browser(DESKTOP, "198.51.100.1").get("/")
    client.force_login(make_staff())
    response = client.post("/ops/insights/refresh", {"query": "days=7"})
    assert response.status_code == 302 and response["Location"] == "/ops/insights/?days=7"
    assert DailyStat.objects.filter(day=D).get().sessions == 1


HAND_COUNT = {  # tests/insights/scenario.py
    "visitors": "5",
    "sessions": "6",
    "bounce": "66.7%",
    "session": "4 min 00 s",
    "pages": "1.83",
    "mobile": "40.0%",
    "return": "33.3%",
    "mobile_load": "2.00 s",
    "conversion": "20.00%",
    "registrations": "2",
    "bookings": "1",
    "satisfaction": "no data yet",
    "support": "0.0%",
    "first_response": "no data yet",
}


def test_every_number_on_the_page_is_the_hand_count(played, staff_client):
    from django.utils.html import escape

    from midas.insights.selectors import BY_KEY

    page = staff_client.get("/ops/insights/", DAY_QUERY).content.decode()
    for key, value in HAND_COUNT.items():
        row = f'<tr id="metric-{key}"><th scope="row">{escape(BY_KEY[key].label)}</th>'
        assert f'{row}<td class="num">{escape(value)}</td>' in page, key
    revenue = played["booking"].total_minor / 100
    assert f"USD {revenue:,.2f}" in page or f"${revenue:,.2f}" in page
    funnel = [("Visits", 6, "–"), ("Asset viewed", 2, "66.7%"), ("Quote", 1, "50.0%")]
    for label, sessions, drop in funnel:
        assert (
            f'<tr><th scope="row">{label}</th><td class="num">{sessions}</td>'
            f'<td class="num">{drop}</td>'
        ) in page


def test_the_support_rows_are_the_hand_count_of_real_tickets(played, staff_client, monkeypatch):
    """Day D's support (tests/insights/test_metrics.py ``support_day``): 1 ticket of 5
    visitors, answered in 12 min 30 s, rated 4 of 5; a review of 5 — on the dashboard."""
    from django.utils.html import escape

    from midas.insights.selectors import BY_KEY
    from tests.insights.test_metrics import support_day

    support_day(played, monkeypatch)
    page = staff_client.get("/ops/insights/", DAY_QUERY).content.decode()
    for key, value in {
        "support": "20.0%",
        "first_response": "12 min 30 s",
        "satisfaction": "4.50",
    }.items():
        row = f'<tr id="metric-{key}"><th scope="row">{escape(BY_KEY[key].label)}</th>'
        assert f'{row}<td class="num">{escape(value)}</td>' in page, key
