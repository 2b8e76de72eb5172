"""The launch channel on Slack: payloads frozen at enqueue, delivery to a local stand-in of
Slack's incoming webhooks, retries, Retry-After, permanent failures, the secret URL."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.core import mail

from midas.notifications.delivery import deliver_due
from midas.notifications.models import (
    AttemptOutcome,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
)
from midas.notifications.services import slack_enqueue
from midas.notifications.slack import build_payload
from midas.ops.logs.redaction import RedactSecrets
from tests.stand_ins.slack import SlackStandIn

pytestmark = pytest.mark.django_db

SECRET = "standin-secret-token"


@pytest.fixture
def slack(settings):
    with SlackStandIn() as stand_in:
        settings.SLACK_WEBHOOK_URL = stand_in.url
        settings.SLACK_TIMEOUT = 5
        settings.LAUNCH_TEAM_EMAIL = []
        yield stand_in


def enqueue(**kwargs) -> OutboxMessage:
    return slack_enqueue(
        event=kwargs.pop("event", "launch.phase.changed"),
        text=kwargs.pop("text", "Launch phase: Pre-launch → System freeze"),
        severity=kwargs.pop("severity", "info"),
        fields=kwargs.pop("fields", {"by": "ana@midas.example", "reason": "18:00 freeze"}),
        **kwargs,
    )


def test_the_payload_is_an_incoming_webhook_message_with_a_colour_and_fields():
    payload = build_payload(
        event="launch.rollback.done",
        text="Rolled back <release 42> & restored",
        severity="danger",
        fields={"by": "ana@midas.example", "steps": "7/7"},
    )
    assert set(payload) == {"text", "attachments"}
    assert "&lt;release 42&gt; &amp; restored" in payload["text"]  # mrkdwn escaped
    (attachment,) = payload["attachments"]
    assert attachment["color"] == "#E01E5A"
    sections = [b for b in attachment["blocks"] if b["type"] == "section"]
    assert sections[0]["text"]["type"] == "mrkdwn"
    fields = sections[1]["fields"]
    assert [f["text"] for f in fields] == ["*by*\nana@midas.example", "*steps*\n7/7"]
    assert attachment["blocks"][-1]["type"] == "context"
    assert "launch.rollback.done" in attachment["blocks"][-1]["elements"][0]["text"]
    colours = {
        build_payload(event="e", text="t", severity=s)["attachments"][0]["color"]
        for s in ("info", "good", "warning", "danger")
    }
    assert len(colours) == 4
    with pytest.raises(ValueError, match="severity"):
        build_payload(event="e", text="t", severity="loud")


def test_mentions_are_member_ids_and_fall_back_to_the_plain_handle():
    payload = build_payload(
        event="launch.incident.escalated",
        text="Incident #4: level 1 told <now>",
        severity="danger",
        mentions=[("U123ABC", "@ana"), ("", "bob"), ("", ""), ("u123abc", "ana"), ("C1", "<x>")],
    )
    line = payload["text"]
    assert line.endswith("told &lt;now&gt; <@U123ABC> @bob @&lt;x&gt;")  # once each
    assert payload["attachments"][0]["blocks"][0]["text"]["text"] == line
    assert "<@" not in payload["attachments"][0]["fallback"]


def test_more_than_ten_fields_are_split_into_sections():
    payload = build_payload(
        event="e", text="t", severity="info", fields={f"k{i}": i for i in range(13)}
    )
    sections = [b for b in payload["attachments"][0]["blocks"] if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 3]


def test_enqueue_freezes_the_payload_and_never_stores_the_url(slack):
    message = enqueue()
    message.refresh_from_db()
    assert message.channel == OutboxChannel.SLACK
    assert message.to == "#launch-ops"
    assert message.template == "launch.phase.changed"
    assert json.loads(message.body_text)["text"].endswith("Pre-launch → System freeze")
    row = json.dumps(
        {f.name: str(getattr(message, f.name)) for f in OutboxMessage._meta.concrete_fields}
    )
    assert SECRET not in row and slack.url not in row


def test_delivery_posts_the_frozen_payload_and_marks_it_sent(slack, now):
    message = enqueue()
    report = deliver_due(now=now)
    assert (report.claimed, report.sent, report.failed) == (1, 1, 0)
    (request,) = slack.requests
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json == json.loads(message.body_text)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at == now
    assert mail.outbox == []  # a Slack row is not an email


def test_a_500_is_retried_with_backoff_then_sent(slack, now, settings):
    settings.OUTBOX_BACKOFF_SECONDS = 30
    slack.script(500)
    message = enqueue()
    report = deliver_due(now=now, rand=lambda: 1.0)
    assert (report.sent, report.retrying) == (0, 1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.next_attempt_at == now + dt.timedelta(seconds=30)
    assert "Slack HTTP 500: rollup_error" in message.last_error
    assert deliver_due(now=now + dt.timedelta(seconds=29)).claimed == 0  # not yet due
    report = deliver_due(now=now + dt.timedelta(seconds=30))
    assert report.sent == 1
    message.refresh_from_db()
    outcomes = list(message.attempt_log.values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.ERROR, AttemptOutcome.SENT]
    assert len(slack.requests) == 2


def test_a_429_waits_at_least_retry_after_and_holds_the_rest_of_the_claim(slack, now):
    slack.script((429, "rate_limited", {"Retry-After": "120"}))
    first, second = enqueue(text="one"), enqueue(text="two")
    report = deliver_due(now=now, rand=lambda: 0.0)
    assert (report.claimed, report.sent, report.retrying) == (2, 0, 2)
    assert len(slack.requests) == 1  # the second was not hammered into the limit
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.next_attempt_at == now + dt.timedelta(seconds=120)
    second_error = second.last_error
    assert second_error.startswith("not tried: Slack HTTP 429")
    assert deliver_due(now=now + dt.timedelta(seconds=119)).claimed == 0
    assert deliver_due(now=now + dt.timedelta(seconds=120)).sent == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (403, "invalid_token"),
        (404, "no_service"),
        (410, "channel_is_archived"),
    ],
)
def test_a_refusal_is_permanent_at_once(slack, now, status, body, caplog):
    slack.script(status)
    message = enqueue()
    with caplog.at_level(logging.ERROR, logger="midas.notifications.delivery"):
        report = deliver_due(now=now)
    assert (report.failed, report.retrying) == (1, 0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert message.last_error == f"Slack HTTP {status}: {body}"
    assert deliver_due(now=now + dt.timedelta(days=1)).claimed == 0
    assert any("failed for good after 1 attempt" in r.getMessage() for r in caplog.records)


def test_an_unreachable_webhook_is_retried(settings, now):
    with SlackStandIn() as stand_in:
        url = stand_in.url
    settings.SLACK_WEBHOOK_URL = url  # the server is gone: connection refused
    message = enqueue()
    report = deliver_due(now=now)
    assert report.retrying == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.last_error.startswith("Slack no answer: URLError")
    assert url not in message.last_error


def test_the_secret_url_is_never_in_rows_or_logs(slack, now, caplog):
    slack.path = "/services/T0TEST/B0TEST/other"  # every post now gets 404 no_service
    message = enqueue()
    with caplog.at_level(logging.DEBUG):
        deliver_due(now=now)
    message.refresh_from_db()
    everything = " ".join(
        [message.last_error, *message.attempt_log.values_list("error", flat=True)]
        + [r.getMessage() for r in caplog.records]
    )
    assert SECRET not in everything and "/services/" not in everything
    # And where a URL does reach a log line, the handler's filter masks it.
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "post to %s",
        ("https://hooks.slack.com/services/T/B/s3",),
        None,
    )
    RedactSecrets().filter(record)
    assert record.getMessage() == "post to https://hooks.slack.com/***"


def test_dedupe_returns_the_first_row(slack):
    first = enqueue(dedupe_key="slack:phase:1")
    again = enqueue(dedupe_key="slack:phase:1", text="something else")
    assert again.pk == first.pk
    assert OutboxMessage.objects.filter(channel=OutboxChannel.SLACK).count() == 1


@pytest.mark.launch
def test_announce_queues_slack_and_team_email_and_both_are_delivered(slack, settings, now):
    from midas.launch.channel import announce

    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    announce(
        event="launch.ramp.changed",
        text="Traffic ramp: 10% → 25%",
        severity="info",
        fields={"by": "ana@midas.example"},
        dedupe_key="ramp:25",
    )
    announce(event="launch.ramp.changed", text="again", dedupe_key="ramp:25")
    channels = sorted(OutboxMessage.objects.values_list("channel", flat=True))
    assert channels == ["email", "slack"]
    report = deliver_due(now=now)
    assert report.sent == 2
    assert len(slack.requests) == 1 and len(mail.outbox) == 1
    assert slack.requests[0].json["text"].endswith("Traffic ramp: 10% → 25%")


@pytest.mark.launch
def test_without_a_webhook_url_announce_sends_no_slack(settings):
    from midas.launch.channel import announce

    settings.SLACK_WEBHOOK_URL = ""
    settings.LAUNCH_TEAM_EMAIL = []
    announce(event="launch.x", text="quiet")
    assert not OutboxMessage.objects.filter(channel=OutboxChannel.SLACK).exists()


def test_the_staff_mailbox_lists_launch_channel_messages(slack, client, django_user_model):
    enqueue(text="Go/no-go: GO")
    staff = django_user_model.objects.create_user(
        email="ops@midas.example", password="x-long-password-1", is_staff=True
    )
    client.force_login(staff)
    page = client.get("/staff/mailbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Launch channel (Slack)" in html and "Go/no-go: GO" in html and "#launch-ops" in html


def test_a_webhook_url_that_is_not_http_is_refused_without_opening_it(settings, now, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("ok")  # file:// would "answer" ok if it were ever opened
    settings.SLACK_WEBHOOK_URL = f"file://{secret_file}"
    message = enqueue()
    report = deliver_due(now=now)
    message.refresh_from_db()
    assert report.failed == 1 and message.status == OutboxStatus.FAILED
    assert message.last_error == "Slack no answer: SLACK_WEBHOOK_URL is not an http(s) URL"


def test_the_admin_shows_the_channel_and_the_payload(slack, client, django_user_model):
    message = enqueue(text="Go/no-go: NO-GO")
    email = OutboxMessage.objects.create(
        to="ana@example.com",
        template="test_message",
        from_email="concierge@midas.example",
        subject="An email",
        body_text="Hello",
        message_id="<one@midas.example>",
        next_attempt_at=message.next_attempt_at,
    )
    admin_user = django_user_model.objects.create_superuser(
        email="root@midas.example", password="x-long-password-1"
    )
    client.force_login(admin_user)
    listing = client.get("/admin/notifications/outboxmessage/?channel__exact=slack")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Go/no-go: NO-GO" in html and "An email" not in html
    assert email.channel == OutboxChannel.EMAIL
    detail = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "&quot;attachments&quot;" in page and "#launch-ops" in page
