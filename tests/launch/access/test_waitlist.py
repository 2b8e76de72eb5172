"""The waitlist: joined from the opening-soon page (each address once), told through the
outbox once when the doors open (public at 100 %), never twice; the CLI and the job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from midas.errors import AppError
from midas.launch import actors
from midas.launch.access.jobs import launch_waitlist_notify
from midas.launch.access.services import waitlist_join, waitlist_notify
from midas.launch.models import LaunchEvent, WaitlistEntry
from midas.launch.state import services
from midas.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
SYSTEM = actors.system("test")
MINUTE = dt.timedelta(minutes=1)


def test_joining_twice_keeps_one_entry():
    entry, created = waitlist_join(email=" Ann@Example.com ", path="/collection/")
    assert created and entry.email == "ann@example.com" and entry.path == "/collection/"
    again, created = waitlist_join(email="ann@example.com")
    assert not created and again.pk == entry.pk
    assert WaitlistEntry.objects.count() == 1


@pytest.mark.parametrize("email", ["", "nope", "a@"])
def test_a_bad_address_is_refused(email):
    with pytest.raises(AppError) as refused:
        waitlist_join(email=email)
    assert refused.value.field == "email"
    assert not WaitlistEntry.objects.exists()


def test_the_form_on_the_opening_soon_page(client):
    services.gate_set(mode="closed", actor=SYSTEM, reason="t")
    page = client.get("/collection/")
    assert page.status_code == 403
    response = client.post("/launch/waitlist", {"email": "bo@example.com", "next": "/collection/"})
    assert response.status_code == 200
    assert "You are on the list" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert WaitlistEntry.objects.get().path == "/collection/"
    response = client.post("/launch/waitlist", {"email": "bo@example.com"})
    assert "already on the list" in response.content.decode()
    bad = client.post("/launch/waitlist", {"email": "nope"})
    assert bad.status_code == 400 and "Not an email address" in bad.content.decode()


def test_nobody_is_told_until_the_doors_open_then_each_once(go_on_record):
    for email in ("a@example.com", "b@example.com"):
        waitlist_join(email=email)
    services.gate_set(mode="public", actor=SYSTEM, reason="t")
    assert waitlist_notify() == 0  # public at 100 %, but the launch is not public yet
    services.phase_set(phase="public", actor=SYSTEM, reason="10:30")
    services.ramp_set(percent=50, actor=SYSTEM, reason="t")
    assert waitlist_notify() == 0
    assert not OutboxMessage.objects.filter(template="launch_waitlist_open").exists()
    services.ramp_set(percent=100, actor=SYSTEM, reason="t")
    assert launch_waitlist_notify.call() == 2
    assert waitlist_notify() == 0  # told once
    mails = OutboxMessage.objects.filter(template="launch_waitlist_open")
    assert sorted(m.to for m in mails) == ["a@example.com", "b@example.com"]
    assert all(e.notified_at for e in WaitlistEntry.objects.all())
    assert LaunchEvent.objects.filter(action="launch.waitlist.notified").count() == 1
    waitlist_join(email="late@example.com")
    assert waitlist_notify() == 1


def test_the_cli(capsys, coordinator, operator, go_on_record):
    waitlist_join(email="a@example.com")
    services.phase_set(phase="public", actor=SYSTEM, reason="10:30")
    call_command("launch", "waitlist", "list")
    assert "1 waiting" in capsys.readouterr().out
    services.ramp_set(percent=10, actor=SYSTEM, reason="t")
    with pytest.raises(SystemExit) as not_yet:
        call_command("launch", "waitlist", "notify", "--by", coordinator.email)
    assert not_yet.value.code == 1
    services.ramp_set(percent=100, actor=SYSTEM, reason="t")
    for by, code in (("", "auth_required"), (operator.email, "forbidden")):
        with pytest.raises(SystemExit) as refused:  # it emails customers: who may, only
            call_command("launch", "waitlist", "notify", "--by", by)
        assert refused.value.code == 2 and code in capsys.readouterr().err
    assert not WaitlistEntry.objects.filter(notified_at__isnull=False).exists()
    call_command("launch", "waitlist", "notify", "--by", coordinator.email)
    assert "Told 1" in capsys.readouterr().out


def test_the_form_is_rate_limited_per_address(client, clock):
    for n in range(10):
        assert client.post("/launch/waitlist", {"email": f"p{n}@example.com"}).status_code == 200
    response = client.post("/launch/waitlist", {"email": "one-more@example.com"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert WaitlistEntry.objects.count() == 10


T = dt.datetime(2026, 3, 20, 15, 0, tzinfo=dt.UTC)  # pinned: records and "now" alike


def test_not_told_without_a_standing_go_even_with_the_doors_open(coordinator, settings):
    """The gate public at 100 % and a NO-GO on record after the GO: nobody is told — the job
    holds (and says so to the channel once), a person is refused, the coordinator may
    override with a reason (recorded)."""
    from midas.launch.models import GoNoGoRecord

    settings.LAUNCH_TEAM_EMAIL, settings.SLACK_WEBHOOK_URL = ["team@midas.example"], ""
    waitlist_join(email="a@example.com")
    GoNoGoRecord.objects.create(created_at=T, decision="go", phase="soft_launch")
    services.phase_set(phase="public", actor=SYSTEM, reason="10:30", at=T)
    GoNoGoRecord.objects.create(created_at=T + MINUTE, decision="no_go", phase="public")
    assert launch_waitlist_notify.call() == 0
    assert launch_waitlist_notify.call() == 0
    held = OutboxMessage.objects.filter(dedupe_key__contains="gonogo-refused")
    assert held.count() == 1  # said once, not every 5 minutes
    assert "e-mailing the waitlist" in held.get().body_text
    assert "no standing GO" in held.get().body_text
    kept = LaunchEvent.objects.get(action="launch.gonogo.refused")  # and recorded once
    assert kept.actor_label == "system:access" and "NO-GO" in kept.details["why"]
    assert not OutboxMessage.objects.filter(template="launch_waitlist_open").exists()
    coordinator_actor = actors.of_user(coordinator, "cli")
    with pytest.raises(AppError) as refused:
        waitlist_notify(actor=coordinator_actor, now=T + 2 * MINUTE)
    assert refused.value.code == "gonogo_required" and "NO-GO" in refused.value.message
    person = LaunchEvent.objects.filter(action="launch.gonogo.refused").latest("id")
    assert person.actor_label == coordinator_actor.label  # a person's attempt: each one kept
    told = waitlist_notify(
        actor=coordinator_actor, override_go="CEO: the press is out", now=T + 2 * MINUTE
    )
    assert told == 1
    override = LaunchEvent.objects.get(action="launch.gonogo.overridden")
    assert override.reason == "CEO: the press is out" and "waitlist" in override.details["what"]
