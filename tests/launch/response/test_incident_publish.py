"""``midas incident publish ID --reason ... --by EMAIL``, the console's "Make public" and the
admin's action: a staff-only incident made public on purpose, through the status app's one
service, with the reason kept in the launch's trail and the channel warned."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from midas.launch import actors
from midas.launch.console.sentences import sentence
from midas.launch.models import LaunchEvent
from midas.launch.response.services import incident_declare
from midas.notifications.models import OutboxMessage
from midas.status.models import Incident
from midas.status.services import MADE_PUBLIC_BODY

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 2, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned(monkeypatch, settings):
    settings.LAUNCH_TEAM_EMAIL = ["team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""
    monkeypatch.setattr(timezone, "now", lambda: T0)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def staff_only(operator) -> Incident:
    return incident_declare(
        title="Refunds failing for some cards",
        body="Looking.",
        impact="major",
        public=False,
        actor=actors.of_user(operator, "cli"),
    )


def made_public_mail() -> list[OutboxMessage]:
    return [
        m
        for m in OutboxMessage.objects.filter(template="launch_announcement")
        if "made public" in m.body_text
    ]


def test_publish_from_the_command_line(client, operator):
    incident = staff_only(operator)
    assert client.get("/status/summary.json").json()["incidents"] == []
    with pytest.raises(Exception, match="--reason"):  # a reason is required
        run("incident", "publish", str(incident.pk), "--by", operator.email)
    code, _, err = run(
        "incident", "publish", str(incident.pk), "--reason", " ", "--by", operator.email
    )
    assert code == 2 and "refused (invalid_input)" in err
    code, out, _ = run(
        "incident", "publish", str(incident.pk), "--reason", "customers are writing in",
        "--by", operator.email,
    )  # fmt: skip
    assert code == 0 and f"Incident #{incident.pk} is public" in out
    incident.refresh_from_db()
    assert incident.public is True and incident.impact == "major"  # not a breach
    assert incident.updates.first().body == MADE_PUBLIC_BODY
    assert [i["name"] for i in client.get("/status/summary.json").json()["incidents"]] == [
        "Refunds failing for some cards"
    ]
    event = LaunchEvent.objects.get(action="launch.incident.made_public")
    assert (event.actor, event.via, event.reason) == (operator, "cli", "customers are writing in")
    assert event.details["incident"] == incident.pk and event.at == T0
    assert sentence(event).endswith(f"made incident #{incident.pk} public on the status page")
    (mail,) = made_public_mail()
    assert mail.subject.startswith("[launch warning]")
    assert "customers are writing in" in mail.body_text
    # once: already public
    code, _, err = run(
        "incident", "publish", str(incident.pk), "--reason", "again", "--by", operator.email
    )
    assert code == 2 and "refused (invalid_state)" in err and "already public" in err
    assert LaunchEvent.objects.filter(action="launch.incident.made_public").count() == 1


def test_publish_with_a_public_title_and_body(operator):
    incident = staff_only(operator)
    code, _, _ = run(
        "incident", "publish", str(incident.pk), "--reason", "r", "--title", "Refunds delayed",
        "--body", "Some refunds are delayed; no money is lost.", "--by", operator.email,
    )  # fmt: skip
    assert code == 0
    incident.refresh_from_db()
    assert incident.title == "Refunds delayed"
    assert incident.updates.first().body == "Some refunds are delayed; no money is lost."


def test_only_the_responders_may_publish(operator, concierge_staff):
    incident = staff_only(operator)
    code, _, err = run(
        "incident", "publish", str(incident.pk), "--reason", "r", "--by", concierge_staff.email
    )
    assert code == 2 and "refused (forbidden)" in err
    assert Incident.objects.get(pk=incident.pk).public is False
    assert not LaunchEvent.objects.filter(action="launch.incident.made_public").exists()


def test_publish_from_the_console(client, operator):
    incident = staff_only(operator)
    public = incident_declare(
        title="Search slow", body="Looking.", impact="minor", actor=actors.of_user(operator, "cli")
    )
    client.force_login(operator)
    page = client.get("/ops/launch/incidents").content.decode()
    assert f'action="/ops/launch/incidents/{incident.pk}/publish"' in page
    assert f'action="/ops/launch/incidents/{public.pk}/publish"' not in page  # public already
    url = f"/ops/launch/incidents/{incident.pk}/publish"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "customers are writing in"}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).public is True
    assert LaunchEvent.objects.get(action="launch.incident.made_public").via == "console"
    again = client.post(url, {"reason": "again"})
    assert again.status_code == 409


def test_the_admin_action_is_on_the_launch_record_too(admin_client, admin_user, operator):
    incident = staff_only(operator)
    response = admin_client.post(
        reverse("admin:status_incident_changelist"),
        {
            "action": "make_public",
            "_selected_action": [str(incident.pk)],
            "apply": "1",
            "reason": "agreed with the CEO",
        },
    )
    assert response.status_code == 302
    event = LaunchEvent.objects.get(action="launch.incident.made_public")
    assert (event.actor, event.via, event.reason) == (admin_user, "admin", "agreed with the CEO")
    assert len(made_public_mail()) == 1
