"""The public status documents as a client sees them."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from midas.status import selectors, services, snapshot

from .conftest import FakeProbe

pytestmark = pytest.mark.django_db
SCHEMA = json.loads((Path(__file__).parent / "summary_schema.json").read_text())
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def busy_day(fake_probes):
    """An open incident, a resolved one, an override, maintenance ahead and probe history."""
    now = timezone.now()
    fake_probes.latest["website"] = FakeProbe(ok=True, at=now)
    fake_probes.latest["payments"] = FakeProbe(ok=False, at=now)
    fake_probes.set_day("website", now.date(), up=1400, down=40)
    services.component_override_set(
        component=selectors.Component.objects.get(key="email"),
        status="degraded_performance",
        note="Receipts arrive a few minutes late.",
    )
    open_ = services.incident_open(
        title="Card payments failing",
        body="Investigating declines.",
        impact="major",
        components=["payments"],
    )
    services.incident_update(incident=open_, status="identified", body="Provider outage <b>.")
    old = services.incident_open(
        title="Slow asset pages", body="Looking.", at=now - dt.timedelta(days=2)
    )
    services.incident_resolve(incident=old, at=now - dt.timedelta(days=2, hours=-1))
    services.maintenance_schedule(
        title="Database upgrade",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=1),
        components=["booking"],
    )
    return {"open": open_, "old": old}


def test_summary_validates_against_statuspage_schema(client, busy_day):
    response = client.get("/status/summary.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    jsonschema.validate(body, SCHEMA)
    assert [c["id"] for c in body["components"]] == [
        "website",
        "booking",
        "payments",
        "email",
        "api",
    ]
    statuses = {c["id"]: c["status"] for c in body["components"]}
    assert statuses["payments"] == "major_outage"
    assert statuses["email"] == "degraded_performance"
    assert [i["name"] for i in body["incidents"]] == ["Card payments failing"]  # unresolved only
    assert [u["status"] for u in body["incidents"][0]["incident_updates"]] == [
        "identified",
        "investigating",
    ]
    assert body["scheduled_maintenances"][0]["status"] == "scheduled"
    assert body["status"] == {"indicator": "critical", "description": "Major System Outage"}


def test_summary_validates_when_empty(client):
    body = client.get("/status/summary.json").json()
    jsonschema.validate(body, SCHEMA)
    assert body["incidents"] == [] and body["scheduled_maintenances"] == []
    assert body["status"]["indicator"] == "none"


def test_schema_rejects_a_wrong_shape(client):
    body = client.get("/status/summary.json").json()
    body["components"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, SCHEMA)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_page_shows_everything(client, busy_day):
    response = client.get("/status")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Major System Outage" in html
    assert "Card payments failing" in html and "Provider outage &lt;b&gt;." in html
    assert "Slow asset pages" in html  # past incident
    assert "Database upgrade" in html
    assert "Receipts arrive a few minutes late." in html
    assert "at least one minute down is a <strong>partial outage</strong>" in html
    assert f"{selectors.MAJOR_DOWN_MINUTES} or more minutes down" in html
    assert html.count('class="d-') == 5 * selectors.UPTIME_DAYS
    assert "d-major_outage" in html  # today's website bar: 40 minutes down
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_page_is_mobile_friendly_and_self_contained(client, busy_day):
    html = client.get("/status").content.decode()
    parser = Tags()
    parser.feed(html)
    metas = [a for t, a in parser.tags if t == "meta"]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    assert not [t for t, _ in parser.tags if t in {"script", "img", "iframe"}]
    for tag, attrs in parser.tags:  # nothing the browser would fetch from elsewhere
        if tag == "link" and attrs.get("rel") not in {"alternate", "canonical"}:
            assert attrs["href"].startswith("data:"), attrs
        for name in ("src", "srcset"):
            assert name not in attrs
    assert not re.search(r"url\(|@import", html)
    assert "@media (max-width:40rem)" in html  # the last 30 days only on a narrow screen
    assert len(html.encode()) < 100_000


def test_page_query_count_is_fixed(client, busy_day, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/status")


def test_incident_page_and_404(client, busy_day):
    incident = busy_day["open"]
    response = client.get(f"/status/incidents/{incident.pk}")
    assert response.status_code == 200
    assert "Card payments failing" in response.content.decode()
    assert client.get("/status/incidents/999999").status_code == 404


def test_atom_feed_parses_with_entries(client, busy_day):
    response = client.get("/status/incidents.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed, in a test
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Card payments failing (Identified)" in titles
    assert "Slow asset pages (Resolved)" in titles
    for entry in entries:
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}updated")
        assert (
            entry.find(f"{ATOM}link").get("href").startswith("https://midas.test/status/incidents/")
        )


def fail(*args, **kwargs):
    raise OperationalError("database is gone")


def test_snapshot_served_when_the_database_fails(client, busy_day, monkeypatch, status_var_dir):
    live = client.get("/status").content.decode()
    live_summary = client.get("/status/summary.json").json()
    assert (status_var_dir / "status" / "page.html").exists()
    assert not list((status_var_dir / "status").glob(".*"))  # no temporary file left behind

    monkeypatch.setattr(selectors, "component_states", fail)
    response = client.get("/status")
    assert response.status_code == 200
    html = response.content.decode()
    assert "last good view of the page, last updated" in html
    assert "Card payments failing" in html
    assert response["X-Status-Snapshot"]
    note = re.search(r'<p class="stale".*?</p>', html, re.DOTALL).group(0)
    assert html.replace(note, "") == live.replace("<!--status:stale-note-->", "")

    summary = client.get("/status/summary.json")
    assert summary.status_code == 200
    assert summary["X-Status-Snapshot"]
    assert summary.json()["components"] == live_summary["components"]
    jsonschema.validate(summary.json(), SCHEMA)


def test_no_snapshot_yet_gives_503(client, monkeypatch):
    monkeypatch.setattr(selectors, "component_states", fail)
    response = client.get("/status")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert client.get("/status/summary.json").status_code == 503


def test_urls(client):
    assert reverse("status:page") == "/status"
    assert reverse("status:summary") == "/status/summary.json"
    assert reverse("status:feed") == "/status/incidents.atom"
    assert reverse("status:incident", args=[3]) == "/status/incidents/3"
    response = client.get("/status/")
    assert (response.status_code, response["Location"]) == (301, "/status")


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("could not connect to server")


def test_every_query_failing_still_serves_the_snapshot(client, busy_day):
    client.get("/status")
    client.get("/status/summary.json")
    with connection.execute_wrapper(refuse_every_query):
        page = client.get("/status")
        summary = client.get("/status/summary.json")
        feed = client.get("/status/incidents.atom")
        incident = client.get(f"/status/incidents/{busy_day['open'].pk}")
    assert page.status_code == 200 and "last updated" in page.content.decode()
    assert "Card payments failing" in page.content.decode()
    assert summary.status_code == 200
    jsonschema.validate(summary.json(), SCHEMA)
    assert (feed.status_code, incident.status_code) == (503, 503)


def test_snapshot_writes_are_atomic_and_throttled(status_var_dir):
    assert snapshot.write("x.json", "one") is True
    assert snapshot.write("x.json", "two") is False  # written under 5 s ago
    assert snapshot.read("x.json")[0] == "one"
    assert snapshot.write("x.json", "three", min_interval=0) is True
    content, written = snapshot.read("x.json")
    assert content == "three" and written <= timezone.now()
    assert sorted(p.name for p in (status_var_dir / "status").iterdir()) == ["x.json"]
    assert snapshot.read("missing.json") is None


def test_database_unreachable_the_page_says_so_live(client, busy_day, monkeypatch):
    """The snapshot keeps the bars and incidents, but the banner and every component say
    what is true now: a major outage (the snapshot itself said Operational)."""
    from tests.outages import refused

    client.get("/status")
    client.get("/status/summary.json")
    error = refused()

    def unreachable(*args, **kwargs):
        raise error

    monkeypatch.setattr(selectors, "component_states", unreachable)
    page = client.get("/status")
    summary = client.get("/status/summary.json")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<p class="banner critical" role="status">Major System Outage</p>' in html
    assert "our database is not answering" in html
    states = re.findall(r'<span class="state s-([a-z_]+)">', html)
    assert states and set(states) == {"major_outage"}
    assert "Card payments failing" in html  # the open incident, from the snapshot
    body = summary.json()
    assert body["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert {c["status"] for c in body["components"]} == {"major_outage"}
    jsonschema.validate(body, SCHEMA)


def test_a_staff_only_incident_is_on_no_public_document(client, busy_day):
    hidden = services.incident_open(
        title="Review: 5 lockouts from 203.0.113.7",
        body="Our monitoring detected a problem.",
        impact="critical",
        components=["website"],
        public=False,
    )
    html = client.get("/status").content.decode()
    assert "203.0.113.7" not in html and "Review:" not in html and "Incident: " not in html
    summary = client.get("/status/summary.json").json()
    assert [i["name"] for i in summary["incidents"]] == ["Card payments failing"]
    website = next(c for c in summary["components"] if c["name"] == "Website")
    assert website["status"] == "operational"
    feed = client.get("/status/incidents.atom").content.decode()
    assert "Review:" not in feed
    assert client.get(f"/status/incidents/{hidden.pk}").status_code == 404
    # made public: everywhere, with its public title and the state of its components
    services.incident_publish(
        incident=hidden, title="Investigating a service issue", body="We are investigating."
    )
    summary = client.get("/status/summary.json").json()
    assert "Investigating a service issue" in [i["name"] for i in summary["incidents"]]
    website = next(c for c in summary["components"] if c["name"] == "Website")
    assert (website["status"], summary["status"]["indicator"]) == ("major_outage", "critical")
    assert client.get(f"/status/incidents/{hidden.pk}").status_code == 200
    assert "Incident: Investigating a service issue" in client.get("/status").content.decode()
