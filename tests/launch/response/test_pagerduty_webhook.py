"""PagerDuty telling us back: the person on call acknowledges the page in PagerDuty's app, its
Webhooks V3 POST (signed) acknowledges the incident here, stops the escalation and sends no
echo; a resolve there is recorded, not made public; resolving here resolves the alert at once.
The stand-in plays both sides of PagerDuty: it receives the events and sends the webhooks."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.launch import actors
from midas.launch.models import Escalation, EscalationNotice, LaunchContact, LaunchEvent, LaunchRole
from midas.launch.response.escalation import (
    escalation_start,
    escalation_tick,
    incident_acknowledge,
    page_key,
    since_opened,
)
from midas.launch.response.selectors import incident_rows
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxMessage
from midas.status.models import IncidentStatus
from midas.status.services import incident_open, incident_resolve
from tests.pinned import pin_now
from tests.stand_ins.pagerduty import PagerDutyStandIn, sign, webhook_body

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # 07:00 EST
MIN = dt.timedelta(minutes=1)
KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
SECRET = "whsec-pd-0123456789abcdefghijklmnopqrstuv"
OLD_SECRET = "whsec-pd-old-zyxwvutsrqponmlkjihgfedcba"
URL = "/launch/pagerduty/webhook"


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.SITE_URL = "https://midas.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PAGERDUTY_WEBHOOK_SECRET = SECRET
    for key, level, name in (("tech_lead", 1, "tech"), ("coordinator", 2, "coord")):
        role = LaunchRole.objects.create(key=key, escalation_level=level)
        LaunchContact.objects.create(role=role, name=name, email=f"{name}@midas.example")


@pytest.fixture
def pager(settings):
    with PagerDutyStandIn() as stand_in:
        settings.PAGERDUTY_API_URL = stand_in.url
        settings.PAGERDUTY_ROUTING_KEY = KEY
        settings.PAGERDUTY_TIMEOUT = 5
        yield stand_in


@pytest.fixture
def clock(monkeypatch):
    return pin_now(monkeypatch, T0)


@pytest.fixture
def paged(pager, clock):
    """An incident opened at T0, level 1 paged, the trigger delivered to PagerDuty."""
    incident = incident_open(title="Checkout failing", body="Investigating.", impact="major", at=T0)
    escalation = escalation_start(incident=incident, now=T0)
    deliver_due()
    assert [e["event_action"] for e in pager.accepted] == ["trigger"]
    assert pager.alerts == {page_key(escalation): "triggered"}
    return escalation


def written() -> tuple[int, int, int]:
    """What a refused webhook must not change: audit rows, outbox rows, acknowledgements."""
    return (
        LaunchEvent.objects.count(),
        OutboxMessage.objects.count(),
        Escalation.objects.filter(acknowledged_at__isnull=False).count(),
    )


def test_acknowledged_in_the_app_acknowledges_here_stops_level_two_and_sends_no_echo(
    pager, paged, clock, client, coordinator
):
    key = page_key(paged)
    clock.set(T0 + 3 * MIN)
    status, answer = pager.acknowledge_in_app(
        key, to=URL, client=client, secrets=[SECRET], occurred_at=T0 + 3 * MIN
    )
    assert (status, answer) == (200, {"status": "acknowledged"})

    paged.refresh_from_db()
    assert paged.acknowledged_at == T0 + 3 * MIN and paged.acknowledged_by is None
    event = LaunchEvent.objects.get(action="launch.incident.acknowledged")
    assert (event.actor_label, event.via, event.actor) == (
        "PagerDuty: Ana López",
        "pagerduty",
        None,
    )
    assert event.details == {"incident": paged.incident_id}
    announcement = OutboxMessage.objects.get(
        template="launch_announcement", body_text__contains="acknowledged by"
    )
    assert "acknowledged by PagerDuty: Ana López (pagerduty)" in announcement.body_text
    [row] = incident_rows(now=T0 + 4 * MIN)
    assert row.acknowledged_by == "PagerDuty: Ana López"

    client.force_login(coordinator)
    page = client.get("/ops/launch/incidents")
    assert page.status_code == 200
    assert "PagerDuty: Ana López" in page.content.decode()

    clock.set(T0 + 15 * MIN)
    assert escalation_tick(now=T0 + 15 * MIN) == []  # management is not told
    assert not EscalationNotice.objects.filter(level=2).exists()
    assert "Acknowledged by PagerDuty: Ana López at 07:03 EST." in since_opened(
        paged, paged.incident, T0 + 15 * MIN
    )
    deliver_due()
    assert [e["event_action"] for e in pager.accepted] == ["trigger"]  # no acknowledge echoed
    assert not OutboxMessage.objects.filter(template="pagerduty.acknowledge").exists()
    assert pager.alerts == {key: "acknowledged"}

    # PagerDuty delivers at least once: the same acknowledgement again changes nothing.
    before = written()
    status, answer = pager.acknowledge_in_app(key, to=URL, client=client, secrets=[SECRET])
    assert (status, answer) == (200, {"status": "already_acknowledged"})
    assert written() == before


def test_our_own_acknowledgement_coming_back_is_a_no_op(pager, paged, client, coordinator):
    incident_acknowledge(
        incident=paged.incident, actor=actors.of_user(coordinator, "cli"), now=T0 + 2 * MIN
    )
    deliver_due()
    assert [e["event_action"] for e in pager.accepted] == ["trigger", "acknowledge"]
    before = written()
    status, answer = pager.send_webhook(
        "incident.acknowledged",
        page_key(paged),
        to=URL,
        client=client,
        secrets=[SECRET],
        agent="Midas launch",
        agent_type="service_reference",
    )
    assert (status, answer) == (200, {"status": "already_acknowledged"})
    assert written() == before
    paged.refresh_from_db()
    assert paged.acknowledged_by == coordinator


@pytest.mark.parametrize(
    "signature",
    [
        "v1=" + "0" * 64,
        sign(b"another body", [SECRET]),
        "",
        None,  # no header at all
        "v0=" + sign(b"x", [SECRET])[3:],
    ],
)
def test_a_bad_signature_is_401_and_writes_nothing(pager, paged, client, signature):
    body = webhook_body("incident.acknowledged", page_key(paged))
    before = written()
    kwargs = {"HTTP_X_PAGERDUTY_SIGNATURE": signature} if signature is not None else {}
    response = client.generic("POST", URL, body, content_type="application/json", **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert written() == before


def test_the_signature_is_of_the_raw_body(pager, paged, client):
    """The same JSON re-serialised is another body: its signature does not verify."""
    body = webhook_body("incident.acknowledged", page_key(paged))
    pretty = json.dumps(json.loads(body), indent=2).encode()
    status, answer = pager.send_webhook(
        "incident.acknowledged",
        page_key(paged),
        to=URL,
        client=client,
        secrets=[SECRET],
        body=pretty,
        signature=sign(body, [SECRET]),
    )
    assert (status, answer["code"]) == (401, "invalid_signature")


def test_rotated_secrets_two_signatures_one_valid_is_accepted(pager, paged, client, settings):
    # PagerDuty rotating: it signs with the old and the new secret; we hold the new one.
    status, answer = pager.acknowledge_in_app(
        page_key(paged), to=URL, client=client, secrets=[OLD_SECRET, SECRET]
    )
    assert (status, answer) == (200, {"status": "acknowledged"})


def test_we_may_hold_two_secrets_while_rotating(pager, paged, client, settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = f"{OLD_SECRET},{SECRET}"
    status, answer = pager.acknowledge_in_app(
        page_key(paged), to=URL, client=client, secrets=[SECRET]
    )
    assert (status, answer) == (200, {"status": "acknowledged"})


def test_no_secret_no_receiver(pager, paged, client, settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = ""
    before = written()
    status, answer = pager.acknowledge_in_app(page_key(paged), to=URL, client=client, secrets=[""])
    assert (status, answer["code"]) == (404, "not_found")
    assert written() == before


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"event": "incident.acknowledged"}',
        b'{"event": {"event_type": "incident.acknowledged", "data": {}}}',  # no id
        b'{"event": {"id": "E1", "event_type": "incident.acknowledged"}}',  # no data
        b'{"event": {"id": "E1", "event_type": "incident.acknowledged", "data": {}}}',
        b'{"event": {"id": "E1", "event_type": "incident.resolved", "data": {"incident_key": 7}}}',
        b'{"event": {"id": "E1", "event_type": "incident.acknowledged", "occurred_at": "soon",'
        b' "data": {"incident_key": "midas-incident-1-20270104T1200"}}}',
    ],
)
def test_malformed_is_400_and_writes_nothing(pager, paged, client, body):
    before = written()
    response = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=sign(body, [SECRET]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert written() == before


def test_a_body_over_the_limit_is_refused(pager, paged, client):
    body = webhook_body("incident.acknowledged", page_key(paged), title="x" * 300_000)
    before = written()
    status, answer = pager.send_webhook(
        "incident.acknowledged", page_key(paged), to=URL, client=client, secrets=[SECRET], body=body
    )
    assert (status, answer["code"]) == (400, "invalid_input")
    assert written() == before


@pytest.mark.parametrize(
    "key",
    [
        "midas-incident-999-20270104T1200",  # no such incident
        "midas-incident-{id}-20270104T1159",  # ours in shape, another opening
        "some-other-integration",
    ],
)
def test_an_unknown_incident_key_is_ignored_with_a_200(pager, paged, client, key):
    before = written()
    status, answer = pager.acknowledge_in_app(
        key.format(id=paged.incident_id), to=URL, client=client, secrets=[SECRET]
    )
    assert (status, answer) == (200, {"status": "ignored"})
    assert written() == before


@pytest.mark.parametrize("event_type", ["incident.triggered", "incident.annotated", "pagey.ping"])
def test_other_event_types_are_ignored(pager, paged, client, event_type):
    before = written()
    status, answer = pager.send_webhook(
        event_type, page_key(paged), to=URL, client=client, secrets=[SECRET]
    )
    assert (status, answer) == (200, {"status": "ignored"})
    ping = b'{"event": {"id": "01PING", "event_type": "pagey.ping", "resource_type": "pagey"}}'
    response = client.generic(
        "POST", URL, ping, content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=sign(ping, [SECRET]),
    )  # fmt: skip
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert written() == before


def test_only_post(pager, client):
    assert client.get(URL).status_code == 405


def test_resolved_in_the_app_is_recorded_not_made_public(pager, paged, client, clock):
    key = page_key(paged)
    clock.set(T0 + 5 * MIN)
    status, answer = pager.resolve_in_app(
        key, to=URL, client=client, secrets=[SECRET], event_id="01RESOLVED", agent="Bo Chen"
    )
    assert (status, answer) == (200, {"status": "recorded"})
    incident = paged.incident
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING  # a person resolves it in Midas
    record = LaunchEvent.objects.get(action="launch.incident.pagerduty_resolved")
    assert record.actor_label == "PagerDuty: Bo Chen"
    assert record.details["event"] == "01RESOLVED"
    note = OutboxMessage.objects.get(
        template="launch_announcement", body_text__contains="resolved in PagerDuty"
    )
    assert f"midas incident resolve {incident.pk}" in note.body_text
    # A person resolved it there: someone has it in hand, so management is not paged.
    paged.refresh_from_db()
    assert paged.acknowledged_at == T0 + 5 * MIN
    assert escalation_tick(now=T0 + 15 * MIN) == []
    deliver_due()
    assert [e["event_action"] for e in pager.accepted] == ["trigger"]  # nothing echoed

    before = written()
    status, answer = pager.resolve_in_app(
        key, to=URL, client=client, secrets=[SECRET], event_id="01RESOLVED"
    )
    assert (status, answer) == (200, {"status": "duplicate"})
    assert written() == before


def test_resolving_here_resolves_the_alert_at_once_and_once(pager, paged, client, clock):
    key = page_key(paged)
    clock.set(T0 + 20 * MIN)
    incident_resolve(incident=paged.incident, body="Fixed.", at=T0 + 20 * MIN)
    deliver_due()  # no escalation tick in between
    assert [e["event_action"] for e in pager.accepted] == ["trigger", "resolve"]
    assert pager.alerts == {key: "resolved"}
    escalation_tick(now=T0 + 21 * MIN)  # the safety net finds nothing left to do
    deliver_due()
    assert OutboxMessage.objects.filter(template="pagerduty.resolve").count() == 1

    # PagerDuty tells us of the resolve we sent: resolved here already, nothing to do.
    before = written()
    status, answer = pager.resolve_in_app(
        key, to=URL, client=client, secrets=[SECRET], agent="Midas launch",
        agent_type="service_reference",
    )  # fmt: skip
    assert (status, answer) == (200, {"status": "ignored"})
    status, answer = pager.acknowledge_in_app(key, to=URL, client=client, secrets=[SECRET])
    assert (status, answer) == (200, {"status": "ignored"})
    assert written() == before


def test_an_incident_never_paged_resolves_without_a_page(settings, clock):
    settings.PAGERDUTY_ROUTING_KEY = ""
    incident = incident_open(title="Slow search", body="Looking.", impact="minor", at=T0)
    escalation_start(incident=incident, now=T0)
    incident_resolve(incident=incident, body="Fine.", at=T0 + 5 * MIN)
    assert not OutboxMessage.objects.filter(channel="pagerduty").exists()


def test_a_failed_resolve_page_never_undoes_the_resolution(pager, paged, monkeypatch, clock):
    from midas.launch.response import escalation

    def broken(**_):
        raise RuntimeError("outbox down")

    with monkeypatch.context() as patched:
        patched.setattr(escalation, "page_resolve", broken)
        incident_resolve(incident=paged.incident, body="Fixed.", at=T0 + 20 * MIN)
    paged.incident.refresh_from_db()
    assert paged.incident.status == IncidentStatus.RESOLVED
    assert not OutboxMessage.objects.filter(template="pagerduty.resolve").exists()
    clock.set(T0 + 21 * MIN)
    escalation_tick(now=T0 + 21 * MIN)  # the safety net
    deliver_due()
    assert pager.alerts == {page_key(paged): "resolved"}


@pytest.mark.django_db(transaction=True)
def test_over_http_the_app_acknowledges_through_a_live_server(pager, live_server, settings, clock):
    """The webhook as PagerDuty sends it: over HTTP to the running site (raw body, header)."""
    settings.PAGERDUTY_WEBHOOK_SECRET = SECRET
    incident = incident_open(title="Checkout failing", body="Investigating.", impact="major", at=T0)
    escalation = escalation_start(incident=incident, now=T0)
    deliver_due()
    clock.set(T0 + 2 * MIN)
    status, answer = pager.acknowledge_in_app(
        page_key(escalation), to=live_server.url + URL, secrets=[SECRET], agent="Ana López"
    )
    assert (status, answer) == (200, {"status": "acknowledged"})
    escalation.refresh_from_db()
    assert escalation.acknowledged_at == T0 + 2 * MIN
    [row] = incident_rows()
    assert row.acknowledged_by == "PagerDuty: Ana López"
    status, answer = pager.acknowledge_in_app(
        page_key(escalation), to=live_server.url + URL, secrets=["wrong"]
    )
    assert (status, answer["code"]) == (401, "invalid_signature")
