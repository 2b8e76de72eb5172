"""The staff ops console at /ops/: access, rendering with and without data, well-formed
server-drawn SVG charts, the maintenance switch, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from midas.notifications.models import OutboxMessage, OutboxStatus
from midas.ops.console.charts import bar_chart, line_chart
from midas.ops.selectors import maintenance_state
from midas.ops.services import maintenance_disable
from midas.slo.models import ProbeResult, RequestMinute
from midas.slo.recorder import minute_of

pytestmark = pytest.mark.django_db

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "ops@example.com", "a-long-password-1", is_staff=True
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(autouse=True)
def backups_here(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - the console's own server-drawn SVG


def svgs(html: str) -> list[ET.Element]:
    return [parse(chunk) for chunk in SVG.findall(html)]


def bars(svg: ET.Element, css: str) -> list[ET.Element]:
    return [r for r in svg.iter(f"{NS}rect") if r.get("class") == css]


def record_traffic(now: dt.datetime) -> None:
    base = minute_of(now)
    RequestMinute.objects.create(
        minute=base - dt.timedelta(hours=2),
        process="a:1",
        count=100,
        errors=3,
        duration_ms_sum=12000.0,
        le_100=60,
        le_250=37,
        le_inf=3,
    )
    RequestMinute.objects.create(
        minute=base - dt.timedelta(hours=2),
        process="b:2",
        count=50,
        errors=0,
        duration_ms_sum=4000.0,
        le_100=50,
    )
    RequestMinute.objects.create(
        minute=base - dt.timedelta(minutes=5),
        process="a:1",
        count=40,
        errors=0,
        duration_ms_sum=2000.0,
        le_50=40,
    )
    RequestMinute.objects.create(  # older than 24 h: not drawn
        minute=base - dt.timedelta(hours=30),
        process="a:1",
        count=999,
        errors=9,
        duration_ms_sum=1.0,
        le_50=999,
    )
    ProbeResult.objects.create(
        component="website",
        target="home",
        ok=True,
        status=200,
        latency_ms=42.0,
        at=now - dt.timedelta(seconds=30),
        minute=base,
    )
    ProbeResult.objects.create(
        component="api",
        target="quote",
        ok=False,
        status=0,
        latency_ms=5000.0,
        at=now - dt.timedelta(seconds=20),
        minute=base,
        detail="<timeout & reset>",
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/ops/")
    assert response.status_code == 302
    assert "next=/ops/" in response["Location"]


def test_customers_get_a_404(client, django_user_model):
    customer = django_user_model.objects.create_user("guest@example.com", "a-long-password-1")
    client.force_login(customer)
    assert client.get("/ops/").status_code == 404
    assert client.post("/ops/maintenance", {"action": "on"}).status_code == 404
    assert not maintenance_state(fresh=True).enabled


def test_staff_see_the_console_with_no_data(staff_client):
    response = staff_client.get("/ops/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    for heading in (
        "Health",
        "Service levels",
        "Latest probes",
        "Backups",
        "Recent errors",
        "Maintenance mode",
        "Tracebacks are in the JSON logs",
    ):
        assert heading in html
    assert "<script" not in html
    assert "No backups yet" in html and "No probe recorded yet" in html
    charts = svgs(html)
    assert len(charts) == 2
    for svg in charts:
        assert svg.find(f"{NS}title").text
        assert svg.get("aria-label") and svg.get("role") == "img"
    assert not bars(charts[0], "bar-requests")


def test_staff_see_recorded_data_drawn_as_bars_and_lines(staff_client):
    now = timezone.now()
    record_traffic(now)
    OutboxMessage.objects.create(
        to="a@example.com",
        from_email="m@example.com",
        subject="Your receipt",
        body_text="x",
        message_id="<1@midas>",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error="SMTP 550",
        next_attempt_at=now,
    )
    html = staff_client.get("/ops/").content.decode()
    traffic, latency = svgs(html)
    requests, errors = bars(traffic, "bar-requests"), bars(traffic, "bar-5xx")
    assert len(requests) == 2  # two recorded hours; the 30-hour-old row is outside
    assert len(errors) == 1
    assert "3 5xx" in errors[0].find(f"{NS}title").text
    assert all(float(r.get("height")) > 0 for r in requests + errors)
    assert latency.findall(f"{NS}path")  # average and p95 lines
    texts = [t.text for t in traffic.iter(f"{NS}text")]
    assert "Hour (UTC)" in texts and "Responses" in texts
    assert "&lt;timeout &amp; reset&gt;" in html  # probe detail escaped
    assert "SMTP 550" in html and "Your receipt" in html
    assert ">down<" in html and ">up<" in html


def test_charts_escape_their_text():
    svg = bar_chart('A <b>"chart"</b> & more', ["<x>"], [("r&d", "#000", [3])], y_label="<y>")
    root = parse(str(svg))
    assert root.find(f"{NS}title").text == 'A <b>"chart"</b> & more'
    line = line_chart("t", ["a", "b", "c"], [("avg", "#000", [1.0, None, 2.0])], y_label="ms")
    path = parse(str(line)).find(f"{NS}path").get("d")
    assert path.count("M") == 2  # the missing hour breaks the line


def test_the_maintenance_switch_turns_it_on_and_off(staff_client, staff):
    response = staff_client.post(
        "/ops/maintenance", {"action": "on", "message": "Polishing the fleet"}
    )
    assert response.status_code == 302 and response["Location"] == "/ops/"
    state = maintenance_state(fresh=True)
    assert state.enabled and state.message == "Polishing the fleet"
    page = staff_client.get("/ops/")  # staff pass through maintenance
    assert page.status_code == 200 and "Maintenance mode is on" in page.content.decode()

    assert staff_client.post("/ops/maintenance", {"action": "off"}).status_code == 302
    assert not maintenance_state(fresh=True).enabled
    entries = list(LogEntry.objects.filter(user=staff).order_by("pk"))
    assert [e.change_message for e in entries] == [
        "Maintenance on from the ops console: 'Polishing the fleet'",
        "Maintenance off from the ops console",
    ]


def test_the_switch_requires_csrf_staff_and_a_valid_action(staff, client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post("/ops/maintenance", {"action": "on"}).status_code == 403
    assert not maintenance_state(fresh=True).enabled
    assert Client().post("/ops/maintenance", {"action": "on"}).status_code == 302  # login
    client.force_login(staff)
    assert client.post("/ops/maintenance", {"action": "explode"}).status_code == 400
    assert client.get("/ops/maintenance").status_code == 405
    assert not maintenance_state(fresh=True).enabled
    maintenance_disable()


def test_the_page_form_carries_a_csrf_token(staff_client):
    html = staff_client.get("/ops/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html and 'value="on"' in html


def test_queries_are_bounded(staff_client, django_assert_max_num_queries):
    record_traffic(timezone.now())
    with django_assert_max_num_queries(30):
        assert staff_client.get("/ops/").status_code == 200
