"""Refused attempts are on the record: when ``go_required`` refuses (the public phase, the
gate to the public, a ramp past the soft launch's share, the waitlist's e-mail), the refusal
is kept in the launch's audit trail (``launch.gonogo.refused``: what, who, the reason given,
the override offered, why refused) and told to the launch channel as a warning — although
the service's own transaction rolls back, and nothing else it did is kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.console.sentences import sentence
from midas.launch.gonogo.services import GoRefused, refusal_record
from midas.launch.models import GoNoGoRecord, LaunchEvent, LaunchState, Phase
from midas.launch.state import services
from midas.launch.state.selectors import launch_state
from midas.notifications.models import OutboxMessage
from tests.launch.conftest import make_staff

T = dt.datetime(2026, 3, 21, 14, 0, tzinfo=dt.UTC)  # launch day, 10:00 New York (pinned)
MINUTE = dt.timedelta(minutes=1)
SYSTEM = actors.system("test")


@pytest.fixture
def team_mail(settings):
    settings.LAUNCH_TEAM_EMAIL = ["launch-team@midas.example"]
    settings.SLACK_WEBHOOK_URL = ""


def no_go(at: dt.datetime = T) -> GoNoGoRecord:
    return GoNoGoRecord.objects.create(created_at=at, decision="no_go", phase="soft_launch")


def refusals() -> list[LaunchEvent]:
    return list(LaunchEvent.objects.filter(action="launch.gonogo.refused").order_by("id"))


def warnings() -> list[OutboxMessage]:
    return [
        m
        for m in OutboxMessage.objects.filter(template="launch_announcement").order_by("id")
        if "Go/no-go refused" in m.body_text
    ]


@pytest.mark.django_db(transaction=True)  # the service's transaction is the outermost one
def test_the_refusal_survives_the_rollback_and_nothing_else_changes(team_mail, groups):
    coordinator = make_staff("coordinator@midas.example", "launch")
    ana = actors.of_user(coordinator, "cli")
    services.phase_set(phase=Phase.SOFT_LAUNCH, actor=SYSTEM, reason="07:00", at=T)
    record = no_go(T + MINUTE)
    before = LaunchState.objects.values().get()
    events = LaunchEvent.objects.count()
    assert not connection.in_atomic_block
    with pytest.raises(AppError) as refused:
        services.phase_set(phase=Phase.PUBLIC, actor=ana, reason="10:30: public", at=T + 2 * MINUTE)
    assert isinstance(refused.value, GoRefused) and refused.value.code == "gonogo_required"
    # nothing of the change: the phase, the row, no phase event
    assert LaunchState.objects.values().get() == before
    assert launch_state(fresh=True).phase == Phase.SOFT_LAUNCH
    assert LaunchEvent.objects.count() == events + 1  # the refusal alone
    (kept,) = refusals()
    assert kept.actor_id == coordinator.pk and kept.via == "cli"
    assert kept.reason == "10:30: public"  # the reason given for the change
    assert kept.at == T + 2 * MINUTE
    assert kept.details["what"] == "entering the public phase"
    assert kept.details["code"] == "gonogo_required" and kept.details["record"] == record.pk
    assert kept.details["why"].startswith("no standing GO") and "NO-GO" in kept.details["why"]
    assert kept.details["override"] == ""
    (warned,) = warnings()
    assert warned.subject.startswith("[launch warning] Go/no-go refused")
    assert "entering the public phase" in warned.body_text
    assert "10:30: public" in warned.body_text


@pytest.mark.django_db
def test_a_ramp_past_the_share_and_the_gate_refused_are_kept_too(coordinator, team_mail):
    ops = actors.of_user(coordinator, "console")
    services.ramp_set(percent=25, actor=ops, reason="08:00", at=T)
    services.gate_set(mode="invite", actor=ops, reason="VIPs", at=T)
    no_go(T + MINUTE)
    with pytest.raises(AppError):
        services.ramp_set(percent=50, actor=ops, reason="11:00", at=T + 2 * MINUTE)
    with pytest.raises(AppError):
        services.gate_set(mode="public", actor=ops, reason="10:30", at=T + 3 * MINUTE)
    state = launch_state(fresh=True)
    assert (state.ramp_percent, state.gate_mode) == (Decimal(25), "invite")
    ramp, gate = refusals()
    assert ramp.details["what"] == "ramping past the soft launch's 25%" and ramp.reason == "11:00"
    assert gate.details["what"] == "opening the access gate to the public"
    assert ramp.via == gate.via == "console"
    assert len(warnings()) == 2


@pytest.mark.django_db
def test_an_override_by_someone_else_is_kept_as_refused_with_the_override(
    groups, coordinator, team_mail
):
    from midas.launch.models import LaunchContact, LaunchRole

    role = LaunchRole.objects.get_or_create(key="coordinator")[0]
    LaunchContact.objects.create(role=role, name="Ana", email=coordinator.email, user=coordinator)
    other = actors.of_user(make_staff("other@midas.example", "launch"), "cli")
    no_go()
    with pytest.raises(AppError) as refused:
        services.phase_set(
            phase=Phase.PUBLIC, actor=other, reason="x", override_go="trust me", at=T
        )
    assert refused.value.code == ErrorCode.FORBIDDEN
    (kept,) = refusals()
    assert kept.details["code"] == "forbidden" and kept.details["override"] == "trust me"
    assert "coordinator" in kept.details["why"]
    assert not LaunchEvent.objects.filter(action="launch.gonogo.overridden").exists()
    assert launch_state(fresh=True).phase == Phase.PRELAUNCH
    assert sentence(kept).endswith(
        " tried entering the public phase and was refused (only the launch "
        "coordinator may override the go/no-go)"
    )


@pytest.mark.django_db
def test_a_person_is_kept_each_time_the_system_once_per_situation(coordinator_actor):
    no_go()
    for _ in range(2):
        with pytest.raises(AppError):
            services.phase_set(phase=Phase.PUBLIC, actor=coordinator_actor, reason="x", at=T)
        with pytest.raises(AppError):
            services.phase_set(phase=Phase.PUBLIC, actor=SYSTEM, reason="10:30 step", at=T)
    people = [e for e in refusals() if e.actor_label == coordinator_actor.label]
    assert len(people) == 2
    assert len([e for e in refusals() if e.actor_label == SYSTEM.label]) == 1
    # a new situation (another NO-GO) is kept again
    no_go(T + MINUTE)
    with pytest.raises(AppError):
        services.phase_set(phase=Phase.PUBLIC, actor=SYSTEM, reason="10:30 step", at=T + MINUTE)
    assert len([e for e in refusals() if e.actor_label == SYSTEM.label]) == 2


@pytest.mark.django_db
def test_a_refusal_is_recorded_once_and_its_record_never_hides_it(coordinator_actor, monkeypatch):
    no_go()
    with pytest.raises(GoRefused) as refused:
        services.phase_set(phase=Phase.PUBLIC, actor=coordinator_actor, reason="x", at=T)
    assert refused.value.kept and not refusal_record(refused.value)  # not twice
    assert len(refusals()) == 1

    from midas.launch.gonogo import services as gonogo_services

    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr(gonogo_services.audit, "record", broken)
    with pytest.raises(AppError) as again:  # still the refusal, not the recording's error
        services.phase_set(phase=Phase.PUBLIC, actor=coordinator_actor, reason="y", at=T)
    assert again.value.code == ErrorCode.GONOGO_REQUIRED


@pytest.mark.django_db
def test_the_console_and_the_command_line_keep_the_refusal(coordinator, client):
    from django.core.management import call_command

    services.ramp_set(percent=25, actor=SYSTEM, reason="08:00", at=T)
    no_go()
    client.force_login(coordinator)
    response = client.post("/ops/launch/phase", {"phase": "public", "reason": "10:30"})
    assert response.status_code == 409
    with pytest.raises(SystemExit):
        call_command("launch", "ramp", "set", "50", "--reason", "11:00", "--by", coordinator.email)
    console, cli = refusals()
    assert (console.via, console.details["what"]) == ("console", "entering the public phase")
    assert cli.via == "cli" and "ramping" in cli.details["what"]
    page = client.get("/ops/launch/").content.decode()
    assert "tried entering the public phase and was refused (no standing GO" in page
