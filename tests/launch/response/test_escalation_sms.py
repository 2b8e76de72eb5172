"""SMS pages that reach a person (issue 11, item 5): each escalation level told texts the
phones of its contacts through Twilio (a local stand-in here) with the incident, the level
and the acknowledge link, once per notice, only when Twilio is configured; contacts' numbers
are E.164, checked when they are saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from midas.errors import AppError
from midas.launch.models import LaunchContact, LaunchEvent, LaunchRole
from midas.launch.plan import team as team_services
from midas.launch.response.escalation import ack_url, escalation_start, escalation_tick
from midas.notifications.delivery import deliver_due
from midas.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from midas.status.services import incident_open
from tests.stand_ins.twilio import TwilioStandIn

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # 07:00 EST
MIN = dt.timedelta(minutes=1)
SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "T0KEN-5ecret-0123456789abcdef0123"
TECH, TECH_BACKUP, COORD = "+12025550143", "+447700900123", "+97145550188"


@pytest.fixture(autouse=True)
def team(settings, coordinator_actor):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    settings.PAGERDUTY_ROUTING_KEY = ""
    settings.SITE_URL = "https://midas.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LaunchRole.objects.create(key="tech_lead", escalation_level=1)
    LaunchRole.objects.create(key="coordinator", escalation_level=2)
    for role, backup, name, phone in (
        ("tech_lead", False, "Tech", "+1 (202) 555-0143"),
        ("tech_lead", True, "Backup", "+44 7700 900123"),
        ("coordinator", False, "Coord", "+971 4 555 0188"),
    ):
        team_services.contact_set(
            role=role,
            backup=backup,
            name=name,
            email=f"{name.lower()}@midas.example",
            phone=phone,
            actor=coordinator_actor,
        )


@pytest.fixture
def twilio(settings):
    with TwilioStandIn(account_sid=SID, auth_token=TOKEN) as stand_in:
        settings.TWILIO_API_URL = stand_in.url
        settings.TWILIO_ACCOUNT_SID = SID
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.TWILIO_FROM = "+15005550006"
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_TIMEOUT = 5
        yield stand_in


def opened(impact: str = "major"):
    return incident_open(title="Checkout failing", body="Investigating.", impact=impact, at=T0)


def texts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=OutboxChannel.SMS).order_by("id"))


def test_each_level_texts_its_contacts_once_with_the_acknowledge_link(twilio):
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    escalation_start(incident=incident, now=T0 + MIN)  # told already: nothing more
    escalation_tick(now=T0 + 2 * MIN)

    level_one = texts()
    assert sorted(m.to for m in level_one) == sorted([TECH, TECH_BACKUP])
    notice = escalation.notices.get(level=1)
    assert {m.dedupe_key for m in level_one} == {
        f"sms:{notice.pk}:{TECH}",
        f"sms:{notice.pk}:{TECH_BACKUP}",
    }
    body = json.loads(level_one[0].body_text)["Body"]
    assert body == (
        f'MIDAS incident #{incident.pk} "Checkout failing" (major): level 1 (Technical team), '
        f"opened. Acknowledge: {ack_url(escalation)}"
    )
    assert ack_url(escalation).startswith("https://midas.example/launch/ack/")

    report = deliver_due()
    assert report.sent >= 2
    assert sorted(m["To"] for m in twilio.messages) == sorted([TECH, TECH_BACKUP])
    assert {m["Body"] for m in twilio.messages} == {body}
    assert all(m.status == OutboxStatus.SENT for m in texts())

    escalation_tick(now=T0 + 15 * MIN)  # management, unacknowledged
    escalation_tick(now=T0 + 16 * MIN)
    [level_two] = [m for m in texts() if m.to == COORD]
    assert "level 2 (Management), unacknowledged." in json.loads(level_two.body_text)["Body"]
    deliver_due()
    assert [m["To"] for m in twilio.messages].count(COORD) == 1
    assert len(texts()) == 3

    event = LaunchEvent.objects.filter(action="launch.incident.escalated").order_by("at").first()
    assert event.details["texted"] == 2


def test_the_link_in_the_text_acknowledges_the_incident(twilio, client):
    incident = opened()
    escalation = escalation_start(incident=incident, now=T0)
    link = json.loads(texts()[0].body_text)["Body"].rsplit(" ", 1)[1]
    path = link.removeprefix("https://midas.example")
    assert client.get(path).status_code == 200
    client.post(path)
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is not None
    escalation_tick(now=T0 + 15 * MIN)  # acknowledged: management is not texted
    assert COORD not in {m.to for m in texts()}


def test_nobody_is_texted_while_twilio_is_not_configured(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    escalation_start(incident=opened("critical"), now=T0)
    assert texts() == []
    assert OutboxMessage.objects.filter(template="launch_escalation").exists()  # e-mail still


def test_a_contact_without_a_phone_or_with_a_stored_bad_one_is_skipped(twilio):
    LaunchContact.objects.filter(role__key="tech_lead", backup=True).update(phone="")
    LaunchContact.objects.filter(role__key="tech_lead", backup=False).update(phone="555-0143")
    escalation_start(incident=opened(), now=T0)
    assert texts() == []
    assert OutboxMessage.objects.filter(template="launch_escalation").count() == 2


def test_a_contacts_phone_is_e164_when_saved(coordinator_actor):
    contact = LaunchContact.objects.get(role__key="tech_lead", backup=False)
    assert contact.phone == TECH  # "+1 (202) 555-0143" as given, stored in E.164
    for bad in ("202 555 0143", "+1 202 CALL ME", "+0 202 555 0143"):
        with pytest.raises(AppError) as refused:
            team_services.contact_set(
                role="tech_lead", name="Tech", phone=bad, actor=coordinator_actor
            )
        assert refused.value.field == "phone" and "E.164" in refused.value.message
    contact.refresh_from_db()
    assert contact.phone == TECH
    team_services.contact_set(role="tech_lead", name="Tech", phone="", actor=coordinator_actor)
    contact.refresh_from_db()
    assert contact.phone == ""
